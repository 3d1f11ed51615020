/*
 * The floor of a Modbus/TCP poller: a bare synchronous libmodbus loop on one connection, making
 * the requests a poller makes on the schedule it keeps, and nothing else (no decoding, no
 * storage). bench/peer-collectd.sh runs one per simulator endpoint beside esep and collectd.
 *
 *   paced-loop HOST PORT UNITS INTERVAL_MS READ...      READ = FC:ADDRESS:COUNT (FC 3 or 4)
 *
 * Units 1..UNITS are each polled every INTERVAL_MS, their first polls spread over the interval;
 * between polls the thread sleeps until the next one is due (clock_nanosleep, absolute). A poll
 * that starts a whole interval late is counted as missed and skipped. Once a second it prints
 *   t=SECONDS requests=N errors=N polls=N missed=N
 * and runs until killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <modbus.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct read { int fc, address, count; };

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s HOST PORT UNITS INTERVAL_MS FC:ADDRESS:COUNT...\n", argv[0]);
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]), units = atoi(argv[3]);
    int64_t interval = (int64_t)atoi(argv[4]) * 1000000;
    int nreads = argc - 5;
    if (port <= 0 || units <= 0 || units > 247 || interval <= 0) {
        fprintf(stderr, "paced-loop: PORT, UNITS (1-247) and INTERVAL_MS must be positive\n");
        return 2;
    }
    struct read *reads = calloc((size_t)nreads, sizeof *reads);
    for (int i = 0; i < nreads; i++) {
        if (sscanf(argv[5 + i], "%d:%d:%d", &reads[i].fc, &reads[i].address, &reads[i].count) != 3
            || (reads[i].fc != 3 && reads[i].fc != 4) || reads[i].count < 1 || reads[i].count > 125) {
            fprintf(stderr, "paced-loop: READ '%s' is not FC:ADDRESS:COUNT (FC 3 or 4, COUNT 1-125)\n", argv[5 + i]);
            return 2;
        }
    }
    modbus_t *ctx = modbus_new_tcp(host, port);
    if (!ctx || modbus_connect(ctx) != 0) {
        fprintf(stderr, "paced-loop: cannot connect to %s:%d: %s\n", host, port, modbus_strerror(errno));
        return 1;
    }
    modbus_set_response_timeout(ctx, 1, 0);
    uint16_t regs[125];
    int64_t *due = calloc((size_t)units, sizeof *due);
    int64_t start = now_ns();
    for (int u = 0; u < units; u++) due[u] = start + interval * u / units;
    long long requests = 0, errors = 0, polls = 0, missed = 0;
    int64_t next_report = start + 1000000000;
    int u = 0;
    for (;;) {
        /* The units come due in turn: unit u is the next one. */
        struct timespec at = { .tv_sec = due[u] / 1000000000, .tv_nsec = due[u] % 1000000000 };
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR) {}
        int64_t t = now_ns();
        if (t - due[u] >= interval) {
            int64_t late = (t - due[u]) / interval;
            missed += late;
            due[u] += late * interval;
        }
        modbus_set_slave(ctx, u + 1);
        for (int i = 0; i < nreads; i++) {
            int rc = reads[i].fc == 3 ? modbus_read_registers(ctx, reads[i].address, reads[i].count, regs)
                                      : modbus_read_input_registers(ctx, reads[i].address, reads[i].count, regs);
            requests++;
            if (rc != reads[i].count) errors++;
        }
        polls++;
        due[u] += interval;
        u = (u + 1) % units;
        if (t >= next_report) {
            printf("t=%.1f requests=%lld errors=%lld polls=%lld missed=%lld\n", (double)(t - start) / 1e9, requests, errors,
                   polls, missed);
            fflush(stdout);
            next_report += 1000000000;
        }
    }
}
