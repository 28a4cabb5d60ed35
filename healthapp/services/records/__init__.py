"""Blood pressure, glucose, HbA1c and exercise entries: validate, classify, store, list,
edit, delete."""

from healthapp.services.records.entries import (
    KINDS,
    RecordKind,
    create_record,
    delete_record,
    edit_form,
    update_record,
)
from healthapp.services.records.listing import RecordPage, list_records

__all__ = [
    "KINDS",
    "RecordKind",
    "RecordPage",
    "create_record",
    "delete_record",
    "edit_form",
    "list_records",
    "update_record",
]
