"""Every API route in one table, so the OpenAPI test can compare them."""

from __future__ import annotations

from aiohttp import web

from campaign.api import campaigns, health, measures, openapi, templates


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
            web.post(r"/api/v1/campaigns/{campaign_id}/{action}", campaigns.act_on_campaign),
            web.get("/api/v1/measures", measures.list_measures),
            web.post("/api/v1/measures", measures.create_measure),
            web.get(r"/api/v1/measures/{measure_id}", measures.get_measure),
            web.put(r"/api/v1/measures/{measure_id}", measures.update_measure),
            web.get("/api/v1/templates", templates.list_templates),
            web.post(r"/api/v1/templates/{slug}/versions", templates.save_version),
            web.get(r"/api/v1/template-versions/{version_id}", templates.get_version),
            web.post(r"/api/v1/template-versions/{version_id}/preview", templates.preview_version),
        ]
    )
