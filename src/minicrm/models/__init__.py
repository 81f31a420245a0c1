"""Records minicrm works with: named tuples, no I/O, one module per aggregate.

The modules are named like the services that return them (``models.contacts``,
``models.deals``...); ``models.plain`` turns any record into plain data. This package
re-exports every public name, so ``from minicrm.models import Contact`` is how records
are imported everywhere.

The order of each record's fields is the output vocabulary: JSON keys, CSV
headers and TSV columns all follow it (see ``render``).

Records are ``typing.NamedTuple`` classes rather than frozen dataclasses: just as
immutable, but defining one costs ~0.1 ms against ~1 ms, because Python 3.11
compiles six methods for every frozen dataclass. With 29 records that was
~25 ms on every run of every command (docs/performance.md). Only ``render``
walks a record's fields in order, to write it; everything else reads them by
name. A default must be immutable (a tuple, not a list or dict). No ``from __future__ import
annotations`` in these modules: typing compiles every string annotation of a NamedTuple (~2 ms
over the records). A record that holds another aggregate's records without importing its module
types that field ``Any`` and says which record in a comment.
"""

from minicrm.models.activity import KINDS, Interaction, Referral
from minicrm.models.agenda import DUE_KINDS, DueItem
from minicrm.models.audit import AuditEntry, Change
from minicrm.models.backup import HealthCheck
from minicrm.models.cadence import Cadence
from minicrm.models.contacts import (STAGES, Contact, ContactDetail, DuplicatePair, MergeResult, SearchHit, Segment,
                                     StageChange, fold)
from minicrm.models.customers import RFM_GROUPS, CustomerValue
from minicrm.models.deals import DEAL_PROBABILITY, DEAL_STAGES, Deal, PipelineStage
from minicrm.models.digest import DigestSent
from minicrm.models.interchange import ImportAction
from minicrm.models.occasions import Occasion
from minicrm.models.plain import field_names, json_safe, plain, record_dict
from minicrm.models.products import SALES_BY, OrderLine, Product, SalesRow, UsualItem, line_text
from minicrm.models.privacy import AccessReport, Consent, Erasure
from minicrm.models.reminders import Reminder, reminder_state
from minicrm.models.report import Bucket, FunnelStage, Metric, Report
from minicrm.models.scoring import ScoredContact, ScorePart, Weight
from minicrm.models.settings import Setting

__all__ = [
    "DEAL_PROBABILITY", "DEAL_STAGES", "DUE_KINDS", "KINDS", "RFM_GROUPS", "SALES_BY", "STAGES", "AccessReport", "AuditEntry",
    "Bucket", "Cadence", "Change", "Consent", "Contact", "ContactDetail", "CustomerValue", "Deal", "DigestSent", "DueItem",
    "DuplicatePair", "Erasure", "FunnelStage", "HealthCheck", "ImportAction", "Interaction", "MergeResult", "Metric",
    "Occasion", "OrderLine", "PipelineStage", "Product", "Referral", "Reminder", "Report", "SalesRow", "ScoredContact", "ScorePart", "SearchHit", "Segment", "Setting",
    "StageChange", "UsualItem", "Weight", "field_names", "fold", "json_safe", "line_text", "plain", "record_dict", "reminder_state",
]  # fmt: skip
