"""Nightscout API v1 compatibility, so that CGM and meter uploaders (xDrip+, Nightscout's
bridges) send readings in with no new client: the per-user uploader secret (secrets), entries
(sgv and mbg readings, stored as glucose with source cgm / meter) and treatments (carbohydrate
and meter readings)."""
