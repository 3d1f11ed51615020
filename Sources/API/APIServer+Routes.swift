import Compliance
import Foundation
import Hummingbird
import Metering
import SiteConfig
import Store

extension APIServer {
    /// The router: middleware in order, then every route of ``APIRoute/all``.
    func makeRouter() -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware())
        router.add(middleware: ErrorMiddleware())
        router.add(
            middleware: RequestLimitMiddleware(settings: settings, connections: connections))
        // Open routes before the authentication middleware (middleware applies to later routes).
        for route in APIRoute.all where route.scopes == nil {
            add(route, to: router)
        }
        router.add(
            middleware: AuthMiddleware(settings: settings))
        for route in APIRoute.all where route.scopes != nil {
            add(route, to: router)
        }
        return router
    }

    private func add(_ route: APIRoute, to router: Router<APIRequestContext>) {
        let handler = self.handler(route.method, route.path)
        let scopes = route.scopes
        router.on(RouterPath(route.path), method: HTTPRequest.Method(route.method)!) { request, context in
            if let scopes { try context.require(anyOf: scopes) }
            return try await handler(request, context)
        }
    }

    typealias Handler = @Sendable (Request, APIRequestContext) async throws -> Response

    private func handler(_ method: String, _ path: String) -> Handler {
        switch path {
        case "/": dashboard
        case "/healthz": healthz
        case "/readyz": readyz
        case "/openapi.yaml": openAPI
        case "/metrics": metricsExposition
        case "/v1/snapshot": snapshot
        case "/v1/meters": meters
        case "/v1/meters/{id}": meter
        case "/v1/meters/{id}/intervals": meterIntervals
        case "/v1/site/intervals": siteIntervals
        case "/v1/site/power": sitePower
        case "/v1/site/quarters/{quarter}": quarter
        case "/v1/events": events
        case "/v1/deadlines": deadlines
        case "/v1/reports/{kind}": report
        case "/v1/schedule/{date}": method == "PUT" ? putSchedule : getSchedule
        case "/v1/saon/trips": saonTrips
        case "/v1/saon/trips/{id}": saonTrip
        default: preconditionFailure("no handler for \(method) \(path)")
        }
    }

    var timeZone: TimeZone { TimeZone(identifier: reader.site.site.timezone) ?? TimeZone(identifier: "UTC")! }

    // MARK: health

    @Sendable func healthz(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try QueryParameters(request, allowed: [], timeZone: timeZone)
        return Self.json(#"{"status":"ok"}"#)
    }

    @Sendable func readyz(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try QueryParameters(request, allowed: [], timeZone: timeZone)
        let reader = self.reader
        // The writer's own view first (it knows when appends fail), then a read of the store.
        let storeProblem: String? = await {
            if let problem = reader.status?.storeProblem { return problem }
            do {
                _ = try await offload { try reader.store.devices() }
                return nil
            } catch {
                return String(describing: error)
            }
        }()
        let polling = reader.status?.isPolling ?? false
        struct Ready: Encodable {
            var ready: Bool
            var store: String
            var storeError: String?
            var ingest: String
        }
        let body = Ready(
            ready: storeProblem == nil && polling, store: storeProblem == nil ? "ok" : "error", storeError: storeProblem,
            ingest: polling ? "polling" : "stopped")
        return try Self.json(body, status: body.ready ? .ok : .serviceUnavailable)
    }

    @Sendable func openAPI(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try QueryParameters(request, allowed: [], timeZone: timeZone)
        return Self.text(OpenAPIDocument.yaml, contentType: "application/yaml; charset=utf-8")
    }

    @Sendable func metricsExposition(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try QueryParameters(request, allowed: [], timeZone: timeZone)
        if let registry = metrics?.registry { await refreshDeviceMetrics(registry) }
        let bytes = metrics?.exposition() ?? []
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: data

    @Sendable func snapshot(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let query = try QueryParameters(request, allowed: ["format"], timeZone: timeZone)
        let format = try ResponseFormat.of(request, query: query)
        let reader = self.reader
        let energy = self.energy
        let clock = self.now
        let calendar = self.calendar
        let periodsCache = self.periodsForSnapshot
        let entry = try await snapshots.get {
            let now = clock()
            let hasSAON = !reader.site.saon.isEmpty
            let (latest, health, trips) = try await offload {
                (
                    try reader.latestByDeviceAndSource(), try reader.health(),
                    hasSAON ? try reader.store.recentSheds(controllers: reader.site.saon.map(\.id), limit: 5) : []
                )
            }
            // The quarter and month so far change slowly and cost the most (a second at 1,000
            // meters): refreshed at most every ten snapshot lifetimes, the values every one.
            let periods: PeriodsToDate?
            if let energy {
                periods = try await periodsCache.get { try await energy.periodsToDate(nowMs: now) }
            } else {
                periods = nil
            }
            var snapshot = Snapshot.build(
                site: reader.site, values: latest.values, health: health, periods: periods, nowMs: now, live: latest.live,
                trips: trips)
            // The hour in progress against its purchase, projected with the power just computed.
            if let energy,
                let purchase = try await energy.purchaseNow(
                    nowMs: now, sitePowerW: snapshot.sitePowerW, warnMarginPercent: reader.site.schedule.warnMarginPercent)
            {
                snapshot.purchase = PurchaseField(PurchaseSnapshot(purchase, calendar: calendar))
            }
            return SnapshotEntry(snapshot: snapshot, json: snapshot.json)
        }
        switch format {
        case .json:
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: entry.json))
        case .csv:
            return Self.csv(entry.snapshot.csv)
        }
    }

    @Sendable func meters(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let query = try QueryParameters(request, allowed: ["format"], timeZone: timeZone)
        let format = try ResponseFormat.of(request, query: query)
        let reader = self.reader
        let (values, health) = try await offload { (try reader.latestByDevice(), try reader.health()) }
        let list = reader.site.meters.map { MeterView($0, values: values[$0.id], health: health[$0.id], withLatest: false) }
        switch format {
        case .json:
            struct Body: Encodable { var meters: [MeterView] }
            return try Self.json(Body(meters: list))
        case .csv:
            return Self.csv(CSVTable(header: MeterView.csvHeader, rows: list.map(\.csvRow)))
        }
    }

    @Sendable func meter(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try QueryParameters(request, allowed: [], timeZone: timeZone)
        let config = try meterConfig(context)
        let reader = self.reader
        let (values, health) = try await offload { (try reader.latestByDevice(), try reader.health()) }
        return try Self.json(MeterView(config, values: values[config.id], health: health[config.id], withLatest: true))
    }

    @Sendable func events(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let query = try QueryParameters(request, allowed: ["from", "to", "device", "format"], timeZone: timeZone)
        let format = try ResponseFormat.of(request, query: query)
        let (fromMs, toMs) = try query.range(
            defaultLengthMs: 86_400_000, nowMs: now(), maxRangeMs: settings.current.configuration.maxQueryRangeMs)
        let device = query.values["device"]
        if let device, !reader.site.saon.contains(where: { $0.id == device }),
            !reader.site.meters.contains(where: { $0.id == device })
        {
            throw APIProblem.badParameter("device", "no device '\(device)' in the site configuration")
        }
        let store = reader.store
        let (events, trips) = try await offload {
            (try store.events(fromMs: fromMs, toMs: toMs), try store.sheds(fromMs: fromMs, toMs: toMs))
        }
        var tripOf: [Int64: ShedRecord] = [:]
        for t in trips { tripOf[t.eventId] = t }
        let list = events.filter { device == nil || $0.device == device }.map { EventView($0, trip: tripOf[$0.id]) }
        switch format {
        case .json:
            return try Self.json(RangedList(key: "events", fromMs: fromMs, toMs: toMs, items: list))
        case .csv:
            return Self.csv(CSVTable(header: EventView.csvHeader, rows: list.map(\.csvRow)))
        }
    }

    // MARK: helpers

    /// The `{id}` path parameter as a configured meter, or 404.
    func meterConfig(_ context: APIRequestContext) throws(APIProblem) -> MeterConfig {
        let id = context.parameters.get("id") ?? ""
        guard let m = reader.meter(id) else { throw .notFound("no meter '\(id)' in the site configuration") }
        return m
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONCoding.encoder.encode(value))))
    }

    static func csv(_ table: CSVTable) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/csv; charset=utf-8; header=present", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: table.text)))
    }

    static func text(_ text: String, contentType: String) -> Response {
        Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
