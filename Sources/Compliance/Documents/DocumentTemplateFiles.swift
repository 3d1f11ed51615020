/// The template files compiled into the binary (Package.swift `documentResources`), by template name.
/// `DocumentTemplateFilesTests` checks that this lists every file of `Templates/` and `Charts/`.
enum DocumentTemplateFiles {
    static var templates: [(String, [UInt8])] {
        [
            ("_consumption", PackageResources._consumption_mustache),
            ("_contacts", PackageResources._contacts_mustache),
            ("_equipment_docs", PackageResources._equipment_docs_mustache),
            ("_grid", PackageResources._grid_mustache),
            ("_grid_obligations", PackageResources._grid_obligations_mustache),
            ("_head", PackageResources._head_mustache),
            ("_header", PackageResources._header_mustache),
            ("_integrity", PackageResources._integrity_mustache),
            ("_ip_pool", PackageResources._ip_pool_mustache),
            ("_locations", PackageResources._locations_mustache),
            ("_operator", PackageResources._operator_mustache),
            ("_quality", PackageResources._quality_mustache),
            ("_signature", PackageResources._signature_mustache),
            ("_style", PackageResources._style_mustache),
            ("checklist", PackageResources.checklist_mustache),
            ("cm1", PackageResources.cm1_mustache),
            ("fee", PackageResources.fee_mustache),
            ("plans", PackageResources.plans_mustache),
            ("pool-change", PackageResources.pool_change_mustache),
            ("quarterly-notice", PackageResources.quarterly_notice_mustache),
            ("quarterly-notice-2020", PackageResources.quarterly_notice_2020_mustache),
            ("termination", PackageResources.termination_mustache),
            ("trip-evidence", PackageResources.trip_evidence_mustache),
            ("chart-bars", PackageResources.chart_bars_mustache),
            ("chart-profile", PackageResources.chart_profile_mustache),
            ("chart-trip", PackageResources.chart_trip_mustache),
        ]
    }

    static var labels: [UInt8] { PackageResources.labels_json }
}
