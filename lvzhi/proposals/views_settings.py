"""提案工作设置: the office edits its committee's proposal settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lvzhi.accounts.models import User
from lvzhi.core.errors import Invalid, NotFound
from lvzhi.core.http import action_errors
from lvzhi.organisations.models import Organisation
from lvzhi.proposals import actions


def _as_text(conf: actions.ProposalSettings) -> dict[str, str]:
    return {
        "number_format": conf.number_format,
        **{k: str(getattr(conf, k)) for k in actions.SETTING_NUMBERS},
        "categories": "\n".join(conf.categories),
        "not_filed_reasons": "\n".join(conf.not_filed_reasons),
        "reply_classes": "\n".join(
            f"{c['code']}|{c['label']}|{'是' if c.get('solved') else '否'}" for c in conf.reply_classes
        ),
    }


@login_required
@action_errors
def proposal_settings(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    org = user.organisation
    if org is None or not Organisation.objects.visible_to(user).filter(pk=org.pk).exists():
        raise NotFound()
    actions.require_office(user, org)
    conf = actions.settings_for(org)
    values, errors = _as_text(conf), {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            actions.update_settings(actor=user, organisation=org, data=values)
        except Invalid as exc:
            errors = exc.errors
        else:
            messages.success(request, "提案工作设置已保存")
            return redirect("proposals:settings")
    labels = {k: label for k, (label, _low, _high) in actions.SETTING_NUMBERS.items()}
    return render(
        request,
        "proposals/settings.html",
        {"org": org, "v": values, "errors": errors, "labels": labels},
        status=400 if errors else 200,
    )
