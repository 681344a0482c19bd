"""/webhooks: a company user registers endpoints for their company, an administrator for the
job centre. Every endpoint is loaded by id *and* owner (404 otherwise); see :mod:`.service`."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from store import clock
from store.models.api import DELIVERY_STATUSES, WEBHOOK_EVENTS

from .. import audit
from ..access import roles_required
from ..extensions import db
from .. import urlguard
from ..config import portal_url
from . import bp, sender, service
from .forms import ActionForm, EndpointForm

webhooks_required = roles_required("company", "admin")


@bp.context_processor
def _portal_url_state() -> dict:
    """``links_missing``: PORTAL_URL is unset, so deliveries carry no links (review AS 6)."""
    return {"links_missing": not portal_url(current_app.config)}


def _check_url(form: EndpointForm) -> bool:
    """The guard's check of the typed URL; the job centre's endpoints (an administrator's) may
    use the configured internal networks, a company's never."""
    internal = urlguard.internal_networks(current_app.config) if current_user.role == "admin" else ()
    try:
        urlguard.resolve(form.url.data, urlguard.allow_loopback(current_app.config), internal)
    except urlguard.UrlRefused as err:
        form.url.errors = [*form.url.errors, str(err)]
        return False
    return True


def _audit(action: str, endpoint, purpose: str = "") -> None:
    audit.record(action, purpose=f"webhook:{endpoint.id} {purpose}".strip())


@bp.get("/")
@webhooks_required
def index():
    """The endpoints the user manages (their company's, or the job centre's for an administrator)."""
    return render_template("webhooks/index.html", endpoints=service.endpoints_of(current_user),
                           events=WEBHOOK_EVENTS)


@bp.route("/ny", methods=["GET", "POST"])
@webhooks_required
def create():
    """Register an endpoint; a secret is generated.  :raise 400: form errors or a refused URL."""
    form = EndpointForm(events=service.events_for(service.owner_company_id(current_user)))
    if form.validate_on_submit() and _check_url(form):
        endpoint = service.create_endpoint(current_user, url=form.url.data, description=form.description.data,
                                           events=form.events.data)
        db.session.flush()
        _audit("webhook_created", endpoint)
        db.session.commit()
        flash("Webhooken er oprettet. Brug hemmeligheden nedenfor til at tjekke signaturen.", "success")
        return redirect(url_for("webhooks.detail", endpoint_id=endpoint.id))
    status = 400 if form.is_submitted() else 200
    return render_template("webhooks/form.html", form=form, endpoint=None), status


@bp.get("/<int:endpoint_id>")
@webhooks_required
def detail(endpoint_id: int):
    """The endpoint: secret, signature scheme, test button, the last 50 deliveries.  :raise 404:"""
    endpoint = service.get_endpoint_or_404(current_user, endpoint_id)
    return render_template("webhooks/detail.html", endpoint=endpoint, events=WEBHOOK_EVENTS,
                           deliveries=service.deliveries(endpoint), statuses=DELIVERY_STATUSES,
                           action_form=ActionForm(), log_size=service.LOG_SIZE,
                           now=clock.utcnow(), overdue=sender.OVERDUE)


@bp.route("/<int:endpoint_id>/rediger", methods=["GET", "POST"])
@webhooks_required
def edit(endpoint_id: int):
    """Change address, description, events or state.  :raise 404:  :raise 400: form errors."""
    endpoint = service.get_endpoint_or_404(current_user, endpoint_id)
    form = EndpointForm(obj=endpoint, events=service.events_for(endpoint.company_id))
    if form.validate_on_submit() and _check_url(form):
        service.update_endpoint(endpoint, url=form.url.data, description=form.description.data,
                                events=form.events.data, active=form.active.data)
        _audit("webhook_changed", endpoint, "active" if endpoint.active else "inactive")
        db.session.commit()
        flash("Ændringerne er gemt.", "success")
        return redirect(url_for("webhooks.detail", endpoint_id=endpoint.id))
    status = 400 if form.is_submitted() else 200
    return render_template("webhooks/form.html", form=form, endpoint=endpoint), status


@bp.post("/<int:endpoint_id>/hemmelighed")
@webhooks_required
def rotate(endpoint_id: int):
    """Replace the secret; deliveries from now on are signed with the new one.  :raise 404:"""
    endpoint = service.get_endpoint_or_404(current_user, endpoint_id)
    if ActionForm().validate_on_submit():
        service.rotate_secret(endpoint)
        _audit("webhook_secret_rotated", endpoint)
        db.session.commit()
        flash("Der er lavet en ny hemmelighed. Opdatér modtageren, så den tjekker signaturen med den.",
              "success")
    return redirect(url_for("webhooks.detail", endpoint_id=endpoint.id))


@bp.route("/<int:endpoint_id>/slet", methods=["GET", "POST"])
@webhooks_required
def delete(endpoint_id: int):
    """Confirm, then delete the endpoint and its delivery log.  :raise 404:"""
    endpoint = service.get_endpoint_or_404(current_user, endpoint_id)
    form = ActionForm()
    if form.validate_on_submit():
        _audit("webhook_deleted", endpoint)
        db.session.delete(endpoint)
        db.session.commit()
        flash("Webhooken er slettet.", "success")
        return redirect(url_for("webhooks.index"))
    return render_template("webhooks/delete.html", endpoint=endpoint, form=form)


@bp.post("/<int:endpoint_id>/test")
@webhooks_required
def test(endpoint_id: int):
    """Queue a ``ping`` event and try to send it at once, so the log shows the answer.  :raise 404:"""
    endpoint = service.get_endpoint_or_404(current_user, endpoint_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("webhooks.detail", endpoint_id=endpoint.id))
    delivery = service.queue_test(endpoint)
    db.session.flush()
    _audit("webhook_tested", endpoint, f"delivery:{delivery.id}")  # a call to an outside URL, as resend's
    db.session.commit()
    result = sender.drain(delivery_id=delivery.id, limit=1)
    if result.sent:
        flash("Testhændelsen er leveret.", "success")
    elif not endpoint.active:
        flash("Webhooken er deaktiveret, så testhændelsen blev ikke sendt. Aktivér den først.", "error")
    else:
        flash("Testhændelsen kunne ikke leveres. Se svaret i loggen; den prøves igen automatisk.", "error")
    return redirect(url_for("webhooks.detail", endpoint_id=endpoint.id, _anchor="leverancer"))


@bp.post("/<int:endpoint_id>/leverancer/<int:delivery_id>/igen")
@webhooks_required
def resend(endpoint_id: int, delivery_id: int):
    """Queue a failed delivery again (same Webhook-Id).  :raise 404: another endpoint's delivery."""
    endpoint = service.get_endpoint_or_404(current_user, endpoint_id)
    delivery = service.get_delivery_or_404(endpoint, delivery_id)
    if ActionForm().validate_on_submit():
        if service.resend(delivery):
            _audit("webhook_resent", endpoint, f"delivery:{delivery.id}")
            db.session.commit()
            flash("Leverancen sendes igen om lidt.", "success")
        else:
            flash("Kun opgivne leverancer kan sendes igen.", "error")
    return redirect(url_for("webhooks.detail", endpoint_id=endpoint.id, _anchor="leverancer"))
