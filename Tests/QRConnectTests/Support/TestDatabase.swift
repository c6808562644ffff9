import Testing

/// The databases every suite runs against: a real SQLite file always, and a real PostgreSQL
/// server when `TEST_POSTGRES_URL` names one (`scripts/test` starts one and sets it).
enum TestDatabase: Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres(url: String)

    static let all: [TestDatabase] = {
        var databases: [TestDatabase] = [.sqlite]
        if let url = ProcessInfo.processInfo.environment["TEST_POSTGRES_URL"], !url.isEmpty {
            databases.append(.postgres(url: url))
        }
        return databases
    }()

    var isSQLite: Bool {
        if case .sqlite = self { return true }
        return false
    }

    var testDescription: String {
        switch self {
        case .sqlite: "SQLite"
        case .postgres: "PostgreSQL"
        }
    }
}

import Foundation
