"""Temporary: the store's old method names, each as (repository attribute, its method).

``Store.__getattr__`` resolves an old name through this table, so that callers written against
the single ``Store`` class keep working while they move to ``store.<repository>.<method>``.
Every call site can be rewritten mechanically from it (arguments are unchanged); then delete it.
``write``, ``close``, ``conn``, ``path``, ``readonly``, ``query_plan``, ``next_id`` and
``uid_exists`` stay on the store itself. ``segments`` is now the repository's own name: the old
``store.segments()`` keeps working through ``Segments.__call__`` (rewrite it as ``store.segments.list()``).
"""

LEGACY: dict[str, tuple[str, str]] = {
    # contacts
    "insert_contact": ("contacts", "add"),
    "bulk_insert_contacts": ("contacts", "add_many"),
    "index_contacts_from": ("contacts", "index_from"),
    "update_contact": ("contacts", "update"),
    "replace_lists": ("contacts", "replace_lists"),
    "refresh_touch": ("contacts", "refresh_touch"),
    "delete_contact": ("contacts", "delete"),
    "get_contact": ("contacts", "get"),
    "list_contacts": ("contacts", "list"),
    "count_contacts": ("contacts", "count"),
    "contacts_matching": ("contacts", "matching"),
    "contacts_named": ("contacts", "named"),
    "contact_ids_by_email": ("contacts", "ids_by_email"),
    "contact_ids_by_phone": ("contacts", "ids_by_phone"),
    "contact_id_by_uid": ("contacts", "id_by_uid"),
    "contact_stage": ("contacts", "stage_of"),
    "contact_reach": ("contacts", "reach"),
    "insert_stage_change": ("contacts", "add_stage_change"),
    "stage_history": ("contacts", "stage_history"),
    "stage_histories": ("contacts", "stage_histories"),
    "shared_values": ("contacts", "shared_values"),
    "contacts_sharing_an_org": ("contacts", "sharing_an_org"),
    "move_contact_records": ("contacts", "move_records"),
    # search
    "search_contacts": ("search", "contacts"),
    "search_interactions": ("search", "interactions"),
    # activity
    "insert_interaction": ("activity", "add"),
    "bulk_insert_interactions": ("activity", "add_many"),
    "get_interaction": ("activity", "get"),
    "list_interactions": ("activity", "list"),
    "export_interactions": ("activity", "export"),
    "set_referred": ("activity", "set_referred"),
    "referrals": ("activity", "referrals"),
    "order_count": ("activity", "order_count"),
    "order_near": ("activity", "order_near"),
    # reminders
    "insert_reminder": ("reminders", "add"),
    "bulk_insert_reminders": ("reminders", "add_many"),
    "update_reminder": ("reminders", "update"),
    "reminder_schedule": ("reminders", "schedule"),
    "add_completion": ("reminders", "add_completion"),
    "get_reminders": ("reminders", "get_many"),
    "open_reminders": ("reminders", "open"),
    "reminders_of": ("reminders", "of_contact"),
    "count_open_reminders": ("reminders", "count_open"),
    "export_reminders": ("reminders", "export"),
    # deals
    "insert_deal": ("deals", "add"),
    "move_deal": ("deals", "move"),
    "get_deal": ("deals", "get"),
    "list_deals": ("deals", "list"),
    "pipeline": ("deals", "pipeline"),
    "deals_closing_by": ("deals", "closing_by"),
    # occasions
    "insert_occasion": ("occasions", "add"),
    "reschedule_occasion": ("occasions", "reschedule"),
    "get_occasion": ("occasions", "get"),
    "list_occasions": ("occasions", "list"),
    "delete_occasion": ("occasions", "delete"),
    "occasions_notifying_by": ("occasions", "notifying_by"),
    # cadence
    "set_contact_cadence": ("cadence", "set_contact"),
    "set_tag_cadence": ("cadence", "set_tag"),
    "tag_cadences": ("cadence", "tags"),
    "touch_of": ("cadence", "touch_of"),
    "touches_due": ("cadence", "touches_due"),
    # segments
    "save_segment": ("segments", "save"),
    "get_segment": ("segments", "get"),
    "segments": ("segments", "list"),
    "delete_segment": ("segments", "delete"),
    # customers
    "customer_values": ("customers", "values"),
    "lifetime_cents": ("customers", "lifetime_cents"),
    "reorders_due": ("customers", "reorders_due"),
    "stage_counts": ("customers", "stage_counts"),
    "stage_entries": ("customers", "stage_entries"),
    "interaction_counts": ("customers", "interaction_counts"),
    "order_totals": ("customers", "order_totals"),
    "count_stale": ("customers", "count_stale"),
    # scoring
    "score_weights": ("scoring", "weights"),
    "set_score_weight": ("scoring", "set_weight"),
    "score_inputs": ("scoring", "inputs"),
    # privacy
    "insert_consent": ("privacy", "add_consent"),
    "consent_history": ("privacy", "consent_history"),
    "current_consent": ("privacy", "current_consent"),
    "privacy_salt": ("privacy", "salt"),
    "all_erased_hashes": ("privacy", "all_erased_hashes"),
    "erased_hashes": ("privacy", "erased_hashes"),
    "erase_contact": ("privacy", "erase"),
    "scrub_files": ("privacy", "scrub_files"),
    "placeholder_contact": ("privacy", "placeholder_contact"),
    # audit
    "mark_change_final": ("audit", "mark_final"),
    "recent_changes": ("audit", "recent"),
    "audit_entries": ("audit", "entries"),
    "revert": ("audit", "revert"),
    # files
    "backup_to": ("files", "backup_to"),
    "restore_from": ("files", "restore_from"),
    "upgrade": ("files", "upgrade"),
    "health": ("files", "health"),
    "file_sizes": ("files", "sizes"),
}
