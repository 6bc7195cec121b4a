"""Preview API: new surface that is not yet stable, served under /preview and labelled "preview"
in OpenAPI. Stable code never imports this package; promoting a feature means moving it out."""

from fastapi import APIRouter

from storyline.preview import bulk, integrations, live, outbox, planning, search, security, webhooks

PREFIX = "/preview"
routers: list[APIRouter] = [module.router for module in (security, planning, integrations, webhooks, outbox, bulk, live,
                                                         search)]
