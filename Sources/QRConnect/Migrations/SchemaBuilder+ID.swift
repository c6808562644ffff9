import Fluent
import SQLKit

extension SchemaBuilder {
    /// An integer id the database assigns and never hands out twice. SQLite needs AUTOINCREMENT
    /// for that: a plain INTEGER PRIMARY KEY reuses the id of a deleted newest row, and read
    /// marks and paging rely on message ids only growing.
    func autoIncrementID(on database: any Database) -> Self {
        if (database as? any SQLDatabase)?.dialect.name == "sqlite" {
            return field(.id, .int, .custom("PRIMARY KEY AUTOINCREMENT"))
        }
        return field(.id, .int, .identifier(auto: true))
    }
}
