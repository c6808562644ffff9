import Testing

/// The databases every suite runs against: a real SQLite file always, and a real PostgreSQL
/// server when `TEST_POSTGRES_URL` names one (`scripts/test` starts one and sets it).
enum TestDatabase: Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres(url: String)

    /// The server the PostgreSQL runs use, from `TEST_POSTGRES_URL`.
    static let postgresURL: String? = {
        guard let url = ProcessInfo.processInfo.environment["TEST_POSTGRES_URL"], !url.isEmpty else { return nil }
        return url
    }()

    static let all: [TestDatabase] = [.sqlite] + (postgresURL.map { [.postgres(url: $0)] } ?? [])

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
