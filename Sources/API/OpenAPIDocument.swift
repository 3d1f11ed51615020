/// `openapi.yaml` beside this file, embedded so that the binary needs no resource bundle.
///
/// `OpenAPITests` fails when the two differ; after editing the YAML, run
/// `ESEP_UPDATE_OPENAPI=1 swift test --filter OpenAPITests` to rewrite this file from it.
enum OpenAPIDocument {
    static let yaml = #"""
openapi: 3.0.3
info:
  title: esep grid-operator API
  version: 1.0.0
  description: |
    Consumption snapshots, meter configuration and health, energy intervals, quarter totals,
    SAON events and metrics of one digital-mining site, served by the esep daemon.

    Authentication: `Authorization: Bearer <token>` on every route except `/healthz`. Tokens are
    made with `esep token new` and stored in the site configuration only as salted SHA-256 hashes.
    Each route lists the scopes it accepts in `x-esep-scopes` (any one of them is enough; `admin`
    grants every scope; an empty list means any valid token). The operator may open the API to
    loopback clients without a token (`api.open_on_loopback`).

    Errors have a JSON body `{"error": {"status", "code", "message", "parameter"?,
    "required_scopes"?, "retry_after_s"?}}`: 400 names the bad `parameter`; 401 carries
    `WWW-Authenticate: Bearer`; 403 lists `required_scopes`; 429 and 503 carry `Retry-After`.

    Times are UTC: ISO 8601 strings with milliseconds and a `Z` (`reading_time`) next to epoch
    milliseconds (`reading_time_ms`); interval and quarter times carry the site's UTC offset
    instead (`2026-07-01T00:00:00+05:00`). Query times accept ISO 8601 with an offset or `Z`, a date
    (midnight in the site's time zone) or epoch milliseconds. Energy is exact integer watt-hours
    (`*_wh`); `*_kwh` repeats it in kWh for reading. Tables are also served as CSV (RFC 4180, with
    a header row) with `?format=csv` or `Accept: text/csv`.
servers:
  - url: /
security:
  - bearer: []
tags:
  - name: dashboard
  - name: health
  - name: data
  - name: energy
paths:
  /:
    get:
      tags: [dashboard]
      operationId: dashboard
      summary: The live dashboard page.
      description: |
        One self-contained HTML page (inline CSS and script, nothing loaded from elsewhere) showing
        live site power, a chart of recent site power, today's 15-minute energy, per-meter health,
        quarter-to-date energy with completeness and SAON state; it refreshes every 5 s. The page
        is open; it asks for a token once (kept in the browser's sessionStorage, or taken from a
        `#token=…` fragment) and sends it with its requests to `/v1/snapshot` (snapshot:read) and
        `/v1/site/intervals` (data:read).
      security: []
      x-esep-scopes: null
      responses:
        '200':
          description: The page.
          content:
            text/html:
              schema:
                type: string
        '400':
          $ref: '#/components/responses/BadParameter'
  /healthz:
    get:
      tags: [health]
      operationId: healthz
      summary: The process is alive.
      security: []
      x-esep-scopes: null
      responses:
        '200':
          description: Alive.
          content:
            application/json:
              schema:
                type: object
                required: [status]
                properties:
                  status:
                    type: string
                    enum: [ok]
  /readyz:
    get:
      tags: [health]
      operationId: readyz
      summary: The store is readable and the pollers run.
      x-esep-scopes: []
      responses:
        '200':
          description: Ready.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Readiness'
        '503':
          description: Not ready; the body says which part is not.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Readiness'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '429':
          $ref: '#/components/responses/RateLimited'
  /openapi.yaml:
    get:
      tags: [health]
      operationId: openapi
      summary: This document.
      x-esep-scopes: []
      responses:
        '200':
          description: The OpenAPI 3 description of the API.
          content:
            application/yaml:
              schema:
                type: string
        '401':
          $ref: '#/components/responses/Unauthorized'
        '429':
          $ref: '#/components/responses/RateLimited'
  /metrics:
    get:
      tags: [health]
      operationId: metrics
      summary: Prometheus metrics (ingest, store writer, HTTP requests).
      x-esep-scopes: [metrics:read]
      responses:
        '200':
          description: Prometheus text exposition format 0.0.4.
          content:
            text/plain:
              schema:
                type: string
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/Forbidden'
        '429':
          $ref: '#/components/responses/RateLimited'
  /v1/snapshot:
    get:
      tags: [data]
      operationId: snapshot
      summary: The site now.
      description: |
        Per meter the newest cumulative import and export energy, active power, per-phase values,
        reading time, quality and polling health; the site's total power; quarter- and
        month-to-date energy once available; the SAON controllers' state. Computed at most once a
        second and shared by all clients. The CSV form has one row per meter.
      x-esep-scopes: [snapshot:read]
      parameters:
        - $ref: '#/components/parameters/format'
      responses:
        '200':
          description: The snapshot.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Snapshot'
            text/csv:
              schema:
                type: string
        '400':
          $ref: '#/components/responses/BadParameter'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/Forbidden'
        '429':
          $ref: '#/components/responses/RateLimited'
  /v1/meters:
    get:
      tags: [data]
      operationId: listMeters
      summary: Every meter's configuration and polling health.
      x-esep-scopes: [snapshot:read, data:read]
      parameters:
        - $ref: '#/components/parameters/format'
      responses:
        '200':
          description: The meters, in configuration order.
          content:
            application/json:
              schema:
                type: object
                required: [meters]
                properties:
                  meters:
                    type: array
                    items:
                      $ref: '#/components/schemas/Meter'
            text/csv:
              schema:
                type: string
        '400':
          $ref: '#/components/responses/BadParameter'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/Forbidden'
        '429':
          $ref: '#/components/responses/RateLimited'
  /v1/meters/{id}:
    get:
      tags: [data]
      operationId: getMeter
      summary: One meter's configuration, health and the newest value of each channel.
      x-esep-scopes: [snapshot:read, data:read]
      parameters:
        - $ref: '#/components/parameters/meterId'
      responses:
        '200':
          description: The meter.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Meter'
        '400':
          $ref: '#/components/responses/BadParameter'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/Forbidden'
        '404':
          $ref: '#/components/responses/NotFound'
        '429':
          $ref: '#/components/responses/RateLimited'
  /v1/meters/{id}/intervals:
    get:
      tags: [energy]
      operationId: meterIntervals
      summary: A meter's energy per interval, streamed.
      x-esep-scopes: [data:read]
      parameters:
        - $ref: '#/components/parameters/meterId'
        - $ref: '#/components/parameters/fromRequired'
        - $ref: '#/components/parameters/toRequired'
        - $ref: '#/components/parameters/step'
        - $ref: '#/components/parameters/format'
      responses:
        '200':
          description: Intervals with `from ≤ start < to`, in time order.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/MeterIntervals'
            text/csv:
              schema:
                type: string
        '400':
          $ref: '#/components/responses/BadParameter'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/Forbidden'
        '404':
          $ref: '#/components/responses/NotFound'
        '429':
          $ref: '#/components/responses/RateLimited'
        '501':
          $ref: '#/components/responses/NotYetAvailable'
  /v1/site/intervals:
    get:
      tags: [energy]
      operationId: siteIntervals
      summary: The site's energy per interval (each meter's energy times its sign), streamed.
      x-esep-scopes: [data:read]
      parameters:
        - $ref: '#/components/parameters/fromRequired'
        - $ref: '#/components/parameters/toRequired'
        - $ref: '#/components/parameters/step'
        - $ref: '#/components/parameters/format'
      responses:
        '200':
          description: Intervals with `from ≤ start < to`, in time order.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/SiteIntervals'
            text/csv:
              schema:
                type: string
        '400':
          $ref: '#/components/responses/BadParameter'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/Forbidden'
        '429':
          $ref: '#/components/responses/RateLimited'
        '501':
          $ref: '#/components/responses/NotYetAvailable'
  /v1/site/quarters/{quarter}:
    get:
      tags: [energy]
      operationId: quarterTotals
      summary: Verified totals of one calendar quarter per meter and for the site.
      x-esep-scopes: [data:read, reports:read]
      parameters:
        - name: quarter
          in: path
          required: true
          description: The quarter, e.g. `2026Q3` (cut in the site's time zone).
          schema:
            type: string
            pattern: '^[0-9]{4}-?[Qq][1-4]$'
        - $ref: '#/components/parameters/format'
      responses:
        '200':
          description: The quarter's totals. The CSV form has one row per meter.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/QuarterTotals'
            text/csv:
              schema:
                type: string
        '400':
          $ref: '#/components/responses/BadParameter'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/Forbidden'
        '404':
          $ref: '#/components/responses/NotFound'
        '429':
          $ref: '#/components/responses/RateLimited'
        '501':
          $ref: '#/components/responses/NotYetAvailable'
  /v1/events:
    get:
      tags: [data]
      operationId: events
      summary: SAON state changes.
      x-esep-scopes: [data:read]
      parameters:
        - name: from
          in: query
          description: Start (inclusive); default `to` minus 24 hours.
          schema:
            type: string
        - name: to
          in: query
          description: End (exclusive); default `from` plus 24 hours, or now.
          schema:
            type: string
        - name: device
          in: query
          description: Only this device's events.
          schema:
            type: string
        - $ref: '#/components/parameters/format'
      responses:
        '200':
          description: The events with `from ≤ time < to`, in time order.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Events'
            text/csv:
              schema:
                type: string
        '400':
          $ref: '#/components/responses/BadParameter'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/Forbidden'
        '429':
          $ref: '#/components/responses/RateLimited'
components:
  securitySchemes:
    bearer:
      type: http
      scheme: bearer
      description: A token made by `esep token new`.
  parameters:
    format:
      name: format
      in: query
      description: '`json` (default) or `csv`; `Accept: text/csv` also selects CSV.'
      schema:
        type: string
        enum: [json, csv]
    meterId:
      name: id
      in: path
      required: true
      description: The meter's id in the site configuration.
      schema:
        type: string
    fromRequired:
      name: from
      in: query
      required: true
      description: Start (inclusive).
      schema:
        type: string
    toRequired:
      name: to
      in: query
      required: true
      description: End (exclusive); at most 366 days after `from`.
      schema:
        type: string
    step:
      name: step
      in: query
      description: Interval length (default `15m`); `1d` is a calendar day in the site's time zone.
      schema:
        type: string
        enum: [15m, 1h, 1d]
  responses:
    BadParameter:
      description: A query or path parameter is malformed or unknown; `parameter` names it.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
    Unauthorized:
      description: No token, a malformed `Authorization` header, or an unknown token.
      headers:
        WWW-Authenticate:
          schema:
            type: string
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
    Forbidden:
      description: The token lacks every scope the route accepts; `required_scopes` lists them.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
    NotFound:
      description: No such meter (or the quarter has not started).
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
    RateLimited:
      description: >-
        The token's request rate is over `api.rate_limit_per_s`, or the client address sent more
        requests with a missing or wrong token than `api.failed_auth_per_min` allows.
      headers:
        Retry-After:
          description: Seconds to wait.
          schema:
            type: integer
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
    NotYetAvailable:
      description: Verified interval energy is not available in this version (`code` is `not_yet_available`).
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
  schemas:
    Error:
      type: object
      required: [error]
      properties:
        error:
          type: object
          required: [status, code, message]
          properties:
            status:
              type: integer
            code:
              type: string
              description: bad_parameter, unauthorized, forbidden, not_found, rate_limited, overloaded, not_yet_available, body_too_large, method_not_allowed, internal_error.
            message:
              type: string
            parameter:
              type: string
            required_scopes:
              type: array
              items:
                type: string
            retry_after_s:
              type: integer
    Readiness:
      type: object
      required: [ready, store, ingest]
      properties:
        ready:
          type: boolean
        store:
          type: string
          enum: [ok, error]
        store_error:
          type: string
        ingest:
          type: string
          enum: [polling, stopped]
    Health:
      type: object
      required: [status, consecutive_failures, polls, failures]
      properties:
        status:
          type: string
          enum: [ok, failing, down, unknown]
          description: failing after 1–2 consecutive failed polls, down after 3 or more.
        last_success:
          type: string
          format: date-time
        last_success_ms:
          type: integer
          format: int64
        last_error_time:
          type: string
          format: date-time
        last_error:
          type: string
        consecutive_failures:
          type: integer
        polls:
          type: integer
          format: int64
        failures:
          type: integer
          format: int64
    Phase:
      type: object
      required: [phase]
      properties:
        phase:
          type: string
          enum: [L1, L2, L3]
        power_w:
          type: number
        voltage_v:
          type: number
        current_a:
          type: number
    MeterSnapshot:
      type: object
      required: [id, role, feeder, sign, phases, quality, health]
      properties:
        id:
          type: string
        role:
          type: string
          enum: [main, check]
        feeder:
          type: string
        sign:
          type: integer
          enum: [-1, 0, 1]
        reading_time:
          type: string
          format: date-time
          description: The newest reading of any of the meter's channels.
        reading_time_ms:
          type: integer
          format: int64
        import_wh:
          type: integer
          format: int64
          description: Cumulative imported energy register, Wh.
        import_kwh:
          type: number
        export_wh:
          type: integer
          format: int64
        export_kwh:
          type: number
        power_w:
          type: number
          description: Total active power, W.
        phases:
          type: array
          items:
            $ref: '#/components/schemas/Phase'
        frequency_hz:
          type: number
        power_factor:
          type: number
        quality:
          type: string
          enum: [good, partial, stale, no_data]
          description: >-
            partial when a channel reported "not available"; stale after three poll intervals plus 2 s
            without a reading (plus 15 s when the daemon's ingest is not running and values come from
            the store, which receives them every 10 s).
        health:
          $ref: '#/components/schemas/Health'
    SAONSnapshot:
      type: object
      required: [id, stages_tripped, feeders_open, quality, health]
      properties:
        id:
          type: string
        reading_time:
          type: string
          format: date-time
        reading_time_ms:
          type: integer
          format: int64
        armed:
          type: boolean
        command_received:
          type: boolean
        test_mode:
          type: boolean
        stages_tripped:
          type: array
          items:
            type: integer
        feeders_open:
          type: array
          items:
            type: integer
        event_counter:
          type: integer
        quality:
          type: string
          enum: [good, stale, no_data]
        health:
          $ref: '#/components/schemas/Health'
    PeriodEnergy:
      type: object
      required: [period, from_ms, to_ms, site_wh, completeness]
      properties:
        period:
          type: string
          description: 2026Q3 or 2026-08.
        from_ms:
          type: integer
          format: int64
        to_ms:
          type: integer
          format: int64
        site_wh:
          type: integer
          format: int64
        completeness:
          type: number
          minimum: 0
          maximum: 1
    Snapshot:
      type: object
      required: [site, generated_at, generated_at_ms, site_power_w, site_power_complete, meters_total, meters_reporting, energy, meters, saon]
      properties:
        site:
          type: object
          required: [name, timezone]
          properties:
            name:
              type: string
            timezone:
              type: string
        generated_at:
          type: string
          format: date-time
        generated_at_ms:
          type: integer
          format: int64
        site_power_w:
          type: number
          description: Sum of sign × active power over meters with a fresh reading, W.
        site_power_complete:
          type: boolean
          description: Every meter with a non-zero sign contributed a fresh power reading.
        meters_total:
          type: integer
        meters_reporting:
          type: integer
        energy:
          type: object
          required: [available]
          properties:
            available:
              type: boolean
            quarter_to_date:
              $ref: '#/components/schemas/PeriodEnergy'
            month_to_date:
              $ref: '#/components/schemas/PeriodEnergy'
        meters:
          type: array
          items:
            $ref: '#/components/schemas/MeterSnapshot'
        saon:
          type: array
          items:
            $ref: '#/components/schemas/SAONSnapshot'
    ChannelValue:
      type: object
      required: [channel, unit, time, time_ms, quality]
      properties:
        channel:
          type: string
        unit:
          type: string
        value:
          type: number
          description: The value in `unit` (absent for energy channels and when not available).
        value_wh:
          type: integer
          format: int64
          description: Cumulative energy, Wh (energy channels only).
        time:
          type: string
          format: date-time
        time_ms:
          type: integer
          format: int64
        quality:
          type: string
          enum: [good, not_available]
    Meter:
      type: object
      required: [id, gateway, unit_id, profile, role, feeder, sign, poll_interval_ms, accuracy_class, channels, health]
      properties:
        id:
          type: string
        gateway:
          type: string
        unit_id:
          type: integer
        profile:
          type: string
        role:
          type: string
          enum: [main, check]
        feeder:
          type: string
        sign:
          type: integer
        poll_interval_ms:
          type: integer
        rated_power_kw:
          type: number
        accuracy_class:
          type: string
        channels:
          type: array
          items:
            type: string
        last_reading_time:
          type: string
          format: date-time
        last_reading_time_ms:
          type: integer
          format: int64
        health:
          $ref: '#/components/schemas/Health'
        latest:
          type: array
          description: Only in `GET /v1/meters/{id}`.
          items:
            $ref: '#/components/schemas/ChannelValue'
    Quality:
      type: string
      description: The worst quality of the 15-minute intervals behind a figure (best first).
      enum: [measured, interpolated, estimated, suspect, missing]
    QualityCounts:
      type: object
      description: 15-minute intervals by quality.
      properties:
        measured:
          type: integer
        interpolated:
          type: integer
        estimated:
          type: integer
        suspect:
          type: integer
        missing:
          type: integer
    Interval:
      type: object
      description: |
        The `energy_import` energy of one interval of the step (the roll-up of its 15-minute
        intervals in the site calendar). Times carry the site's UTC offset. CSV columns: start,
        start_ms, end, end_ms, wh (empty when missing), quality, completeness, flags, open.
      required: [start, start_ms, end, end_ms, wh, quality, completeness, flags, open]
      properties:
        start:
          type: string
          format: date-time
          example: '2026-07-01T00:15:00+05:00'
        start_ms:
          type: integer
          format: int64
        end:
          type: string
          format: date-time
        end_ms:
          type: integer
          format: int64
        wh:
          type: integer
          format: int64
          nullable: true
          description: Energy, Wh (for the site, the signed sum of the main meters); null when missing, never 0.
        quality:
          $ref: '#/components/schemas/Quality'
        completeness:
          type: number
          minimum: 0
          maximum: 1
          description: Measured energy over all energy of the interval.
        flags:
          type: array
          description: Quality reasons (gap, counter_reset, meter_replaced, …); empty when measured.
          items:
            type: string
        open:
          type: boolean
          description: The interval is still running; wh is the energy so far.
    MeterIntervals:
      type: object
      required: [meter, step, from, from_ms, to, to_ms, intervals]
      properties:
        meter:
          type: string
        step:
          type: string
        from:
          type: string
          format: date-time
        from_ms:
          type: integer
          format: int64
        to:
          type: string
          format: date-time
        to_ms:
          type: integer
          format: int64
        intervals:
          type: array
          items:
            $ref: '#/components/schemas/Interval'
    SiteIntervals:
      type: object
      required: [site, step, from, from_ms, to, to_ms, intervals]
      properties:
        site:
          type: string
        step:
          type: string
        from:
          type: string
          format: date-time
        from_ms:
          type: integer
          format: int64
        to:
          type: string
          format: date-time
        to_ms:
          type: integer
          format: int64
        intervals:
          type: array
          items:
            $ref: '#/components/schemas/Interval'
    QuarterTotals:
      type: object
      description: |
        Totals over the elapsed part of the quarter. Completeness is measured energy over all
        energy times the share of elapsed 15-minute intervals that have a value; elapsed
        intervals without any record count as missing. The CSV form has one row per meter
        (quarter, final, meter, role, sign, wh, quality, completeness, flags).
      required: [quarter, from, from_ms, to, to_ms, site_wh, completeness, counts, final, meters]
      properties:
        quarter:
          type: string
        from:
          type: string
          format: date-time
        from_ms:
          type: integer
          format: int64
        to:
          type: string
          format: date-time
        to_ms:
          type: integer
          format: int64
        site_wh:
          type: integer
          format: int64
          description: Σ sign × energy of the main meters, Wh.
        completeness:
          type: number
        counts:
          $ref: '#/components/schemas/QualityCounts'
        final:
          type: boolean
          description: The quarter has ended.
        meters:
          type: array
          items:
            type: object
            required: [id, role, sign, wh, quality, completeness, counts, flags]
            properties:
              id:
                type: string
              role:
                type: string
                enum: [main, check]
              sign:
                type: integer
                enum: [-1, 0, 1]
                description: How the meter counts in site_wh (0 for check meters).
              wh:
                type: integer
                format: int64
                nullable: true
              quality:
                $ref: '#/components/schemas/Quality'
              completeness:
                type: number
              counts:
                $ref: '#/components/schemas/QualityCounts'
              flags:
                type: array
                items:
                  type: string
    Event:
      type: object
      required: [time, time_ms, device, signal, new]
      properties:
        time:
          type: string
          format: date-time
        time_ms:
          type: integer
          format: int64
        device:
          type: string
        signal:
          type: string
          description: armed, command_received, test_mode, stage_tripped.N, feeder_open.N.
        old:
          type: integer
          description: The previous state (absent for the first observation).
        new:
          type: integer
    Events:
      type: object
      required: [from, from_ms, to, to_ms, events]
      properties:
        from:
          type: string
          format: date-time
        from_ms:
          type: integer
          format: int64
        to:
          type: string
          format: date-time
        to_ms:
          type: integer
          format: int64
        events:
          type: array
          items:
            $ref: '#/components/schemas/Event'
"""#
}
