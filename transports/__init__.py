"""Transports: how bytes arrive from partners and leave for them. Inbound transports end in
``gateway.pipeline.ingest.ingest``; the pipeline never imports a transport, only the service
wiring (``gateway.service``) does."""
