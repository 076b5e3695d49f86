"""Account pages: the lockout answer, password change, the second factor (TOTP)."""

from base64 import b32encode
from urllib.parse import urlencode

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiuye.accounts import services
from jiuye.accounts.models import User


def locked_out(request, response=None, credentials=None):
    """django-axes' answer to a login while locked out: the login page saying so (HTTP 429)."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    context = {"locked_minutes": minutes, "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=429)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("password_change_done")

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, password_rules=password_validators_help_texts())

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(user=self.request.user)
        return response


password_change = PasswordChangeView.as_view()
password_change_done = auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html")


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home")


def _with_next(name: str, request) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    return reverse(name) + ("?" + urlencode({"next": target}) if target else "")


def _confirmed_device(user: User):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def _check(request, device) -> str:
    """The error to show for the code posted, or "" once the session is verified."""
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        return _("Too many wrong codes. Wait a little and try again.")
    if services.otp_confirm(request=request, device=device, token=request.POST.get("token", "")):
        return ""
    return _("Wrong or expired code. Enter the 6 digits your authenticator app shows now.")


@login_required
def otp_verify(request):
    device = _confirmed_device(request.user)
    if device is None:
        return redirect(_with_next("otp_setup", request))
    error = ""
    if request.method == "POST":
        error = _check(request, device)
        if not error:
            return redirect(_next(request))
    return render(request, "accounts/otp_verify.html", {"error": error, "next": _next(request)})


def _qr_svg(uri: str) -> str:
    import qrcode  # with Pillow: not at start-up
    import qrcode.image.svg

    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


@login_required
def otp_setup(request):
    if _confirmed_device(request.user) is not None:
        return redirect(_with_next("otp_verify", request))
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="jiuye", confirmed=False)
    error = ""
    if request.method == "POST":
        error = _check(request, device)
        if not error:
            return redirect(_next(request))
    secret = b32encode(device.bin_key).decode("ascii")
    context = {
        "error": error,
        "next": _next(request),
        "qr": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 - SVG generated here from our own URI
        "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
        "uri": device.config_url,
    }
    return render(request, "accounts/otp_setup.html", context)
