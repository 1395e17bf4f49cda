"""Every API route in one table, so the OpenAPI test can compare them."""

from __future__ import annotations

from aiohttp import web

from campaign.api import (
    api_keys,
    campaign_exclusions,
    campaign_messages,
    campaign_review,
    campaigns,
    contacts,
    dispatch,
    fields,
    health,
    measures,
    messages,
    openapi,
    segments,
    templates,
)


def add_api_routes(app: web.Application) -> None:
    app.router.add_routes(
        [
            web.get("/healthz", health.healthz),
            web.get("/readyz", health.readyz),
            web.get("/api/v1/openapi.json", openapi.openapi_json),
            web.get("/api/v1/campaigns", campaigns.list_campaigns),
            web.post("/api/v1/campaigns", campaigns.create_campaign),
            web.get(r"/api/v1/campaigns/{campaign_id}", campaigns.get_campaign),
            web.put(r"/api/v1/campaigns/{campaign_id}", campaigns.edit_campaign),
            web.get(r"/api/v1/campaigns/{campaign_id}/stats", campaigns.get_stats),
            web.get(r"/api/v1/campaigns/{campaign_id}/preview", campaigns.preview_campaign),
            web.get(
                r"/api/v1/campaigns/{campaign_id}/preview/messages",
                campaign_review.preview_messages,
            ),
            web.get(r"/api/v1/campaigns/{campaign_id}/checks", campaign_review.run_checks),
            web.get(
                r"/api/v1/campaigns/{campaign_id}/messages/{message_id}/copy",
                campaign_review.message_copy,
            ),
            web.get(r"/api/v1/campaigns/{campaign_id}/history", campaign_review.campaign_history),
            web.get(r"/api/v1/campaigns/{campaign_id}/messages", campaign_messages.list_messages),
            web.get(
                r"/api/v1/campaigns/{campaign_id}/messages.csv", campaign_messages.messages_csv
            ),
            web.get(
                r"/api/v1/campaigns/{campaign_id}/exclusions", campaign_exclusions.list_exclusions
            ),
            web.get(
                r"/api/v1/campaigns/{campaign_id}/exclusions.csv",
                campaign_exclusions.exclusions_csv,
            ),
            # Two segments after the id: the one-segment {action} below never takes these.
            web.post(
                r"/api/v1/campaigns/{campaign_id}/messages/resend",
                campaign_messages.resend_messages,
            ),
            web.post(
                r"/api/v1/campaigns/{campaign_id}/messages/settle",
                campaign_messages.settle_messages,
            ),
            web.post(r"/api/v1/campaigns/{campaign_id}/{action}", campaigns.act_on_campaign),
            web.get("/api/v1/dispatch", dispatch.get_switch),
            web.post("/api/v1/dispatch/stop", dispatch.stop_sending),
            web.post("/api/v1/dispatch/resume", dispatch.resume_sending),
            web.get("/api/v1/contacts", contacts.list_contacts),
            web.get("/api/v1/contacts/export.csv", contacts.export_contacts_csv),
            web.post("/api/v1/contacts/import", contacts.import_contacts),
            web.get(r"/api/v1/contacts/{contact_id}/export", contacts.export_contact),
            web.delete(r"/api/v1/contacts/{contact_id}", contacts.erase_contact),
            web.post(r"/api/v1/contacts/{contact_id}/opt-out", contacts.opt_out_contact),
            web.get("/api/v1/api-keys", api_keys.list_api_keys),
            web.post(r"/api/v1/api-keys/{key_id}/revoke", api_keys.revoke_api_key),
            web.get("/api/v1/fields", fields.list_fields),
            web.post("/api/v1/fields", fields.create_field),
            web.get(r"/api/v1/fields/{name}", fields.get_field),
            web.patch(r"/api/v1/fields/{name}", fields.relabel_field),
            web.post(r"/api/v1/fields/{name}/convert", fields.convert_field),
            web.get("/api/v1/measures", measures.list_measures),
            web.post("/api/v1/measures", measures.create_measure),
            web.get(r"/api/v1/measures/{measure_id}", measures.get_measure),
            web.put(r"/api/v1/measures/{measure_id}", measures.update_measure),
            web.post("/api/v1/segments/preview", segments.preview_segment),
            web.get("/api/v1/segments", segments.list_segments),
            web.post("/api/v1/segments", segments.create_segment),
            web.get(r"/api/v1/segments/{segment_id}", segments.get_segment),
            web.put(r"/api/v1/segments/{segment_id}", segments.update_segment),
            web.delete(r"/api/v1/segments/{segment_id}", segments.delete_segment),
            web.post("/api/v1/messages/check", messages.check),
            web.get("/api/v1/templates", templates.list_templates),
            web.post(r"/api/v1/templates/{slug}/versions", templates.save_version),
            web.get(r"/api/v1/template-versions/{version_id}", templates.get_version),
            web.post(r"/api/v1/template-versions/{version_id}/preview", templates.preview_version),
        ]
    )
