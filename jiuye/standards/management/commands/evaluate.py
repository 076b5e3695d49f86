import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from jiuye.divisions.codes import community_prefix
from jiuye.standards.evaluate import evaluate
from jiuye.standards.snapshots import snapshot_save

LABELS = {
    "s1": "就业率",
    "s2": "零就业家庭",
    "s3": "低保对象就业",
    "s4": "职业指导",
    "s5": "长期失业",
    "s6": "政策目标投诉",
    "s7": "失业人员服务",
    "s8": "组织建设",
}


class Command(BaseCommand):
    help = "Evaluate the eight standards for every community as of a date. 评估充分就业社区标准"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--format", choices=["table", "json"], default="table")
        parser.add_argument("--division", help="district (6), street (9) or community (12 digits) code")
        parser.add_argument("--explain", action="store_true", help="persons and households behind each failure")
        parser.add_argument("--rollups", action="store_true", help="street, district and city rollups (JSON)")
        parser.add_argument("--save", action="store_true", help="store an immutable snapshot of this evaluation")

    def handle(self, *args, as_of=None, format="table", division=None, explain=False, rollups=False, save=False, **o):
        try:
            day = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD / --as-of must be YYYY-MM-DD: {as_of}") from None
        try:
            prefix = community_prefix(division) if division else ""
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        result = evaluate(day, prefix=prefix, explain=explain, rollups=rollups or format == "table")
        for warning in result["warnings"]:
            self.stderr.write(f"warning: {warning}")
        if save:
            snapshot = snapshot_save(result=result, division_code=division or "", user=None)
            self.stderr.write(f"已保存评估快照 / snapshot saved: #{snapshot.pk}")
        if format == "json":
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        self.stdout.write(self.table(result, explain))

    def table(self, result: dict, explain: bool) -> str:
        lines = [f"评估日期 {result['as_of']}（评估期 {result['period']['start']} 至 {result['period']['end']}）", ""]
        header = "社区代码       社区名称            " + " ".join(f"S{i}" for i in range(1, 9)) + "  达标"
        lines.append(header)
        for c in result["communities"]:
            marks = " ".join(" ✓" if c["standards"][k]["pass"] else " ✗" for k in LABELS)
            lines.append(f"{c['code']}  {c['name'][:10]:<10}\t{marks}  {'是' if c['pass'] else '否'}")
            if explain and c.get("explain"):
                for key, entries in c["explain"].items():
                    for e in entries[:20]:
                        who = e.get("name") or e.get("household")
                        lines.append(f"    {key.upper()} {LABELS[key]}: {who} {e.get('reason', '')}")
        city = result.get("rollups", {}).get("city")
        if city:
            share = f"{city['share']:.1%}" if city["share"] is not None else "-"
            lines += ["", f"合计：评估 {city['evaluated']} 个社区，达标 {city['passing']} 个（{share}）"]
            for d in result["rollups"]["districts"]:
                target = f"目标 {d['target_share']:.0%}" if d["target_share"] is not None else "无目标"
                share = f"{d['share']:.1%}" if d["share"] is not None else "-"
                lines.append(f"  {d['code']} {d['name']}：{d['passing']}/{d['evaluated']}（{share}，{target}）")
        return "\n".join(lines)
