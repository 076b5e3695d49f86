"""The worked example with users of three levels and some jobs data, for the API tests."""

import datetime as dt
from dataclasses import dataclass

from jiuye.accounts.services import user_add
from jiuye.jobs import matching, services
from jiuye.registry.models import Person

A, B, C = "500103001001", "500103001002", "500105002003"  # A and B share street 500103001
ON = dt.date(2026, 6, 30)
PASSWORD = "Gongzuo-2026!x"


@dataclass
class World:
    users: dict
    employer: object
    vacancy: object
    referral: object

    def person(self, name: str) -> Person:
        return Person.objects.select_related("household__community").get(name=name)


def build_world(run_jiuye, example_dir) -> World:
    assert run_jiuye("import", str(example_dir)).code == 0
    matching.invalidate_cache()
    users = {
        "a": user_add(username="worker_a", role="community", scope_code=A, password=PASSWORD),
        "b": user_add(username="worker_b", role="community", scope_code=B, password=PASSWORD),
        "c": user_add(username="worker_c", role="community", scope_code=C, password=PASSWORD),
        "street": user_add(username="street", role="street", scope_code=A[:9], password=PASSWORD),
    }
    a = users["a"]
    zhang = Person.objects.get(name="张建国")
    zhang.phone = "13812345678"
    zhang.save()
    employer = services.employer_create(user=a, community=A, name="甲社区超市", contact_name="王经理",
                                        contact_phone="13900001111")
    vacancy = services.vacancy_create(user=a, community=A, title="收银员", employer=employer,
                                      opened_on=dt.date(2026, 6, 1), count=3)
    liu = Person.objects.get(name="刘婷")
    services.wish_save(user=a, person=liu, desired="收银", updated_on=ON)
    referral = services.referral_create(user=a, vacancy=vacancy, person=liu, referred_on=ON)
    return World(users=users, employer=employer, vacancy=vacancy, referral=referral)
