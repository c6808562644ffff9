#ifndef CSQLITESUPPORT_H
#define CSQLITESUPPORT_H

/// Turns on SQLite's query planner stability guarantee for a connection (a `sqlite3 *` of the
/// driver's library). `sqlite3_db_config` is variadic, which Swift cannot call: hence this file.
/// Returns SQLite's result code.
int qrconnect_sqlite_enable_qpsg(void *db);

#endif
