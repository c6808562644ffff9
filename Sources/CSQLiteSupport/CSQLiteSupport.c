#include "CSQLiteSupport.h"
#include <stddef.h>

// From sqlite-nio's vendored SQLite (VaporCSQLite), which the executable links: the same library
// as the driver's, symbols prefixed `sqlite_nio_`. Declared here rather than included, so that this
// target needs no header search path into another package.
int sqlite_nio_sqlite3_db_config(void *db, int op, ...);
#define SQLITE_DBCONFIG_ENABLE_QPSG 1007

int qrconnect_sqlite_enable_qpsg(void *db) {
    return sqlite_nio_sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_QPSG, 1, NULL);
}
