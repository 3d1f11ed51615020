#ifndef ESEP_CMODBUS_SHIM_H
#define ESEP_CMODBUS_SHIM_H

/* libmodbus, found through pkg-config `libmodbus` (Debian: libmodbus-dev).
 * Swift never calls a macro or a variadic function of libmodbus directly:
 * the constants it needs are re-exported here as plain enums/functions. */
#include <modbus.h>
#include <errno.h>

static inline int esep_modbus_enobase(void) { return MODBUS_ENOBASE; }
static inline int esep_errno(void) { return errno; }
static inline void esep_set_errno(int value) { errno = value; }

#endif
