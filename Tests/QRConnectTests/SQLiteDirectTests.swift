import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
@testable import QRConnect

/// On SQLite, `FastQuery` runs its statements on the calling thread (`Support/SQLite`): a write
/// batch's jobs on the batch's connection, a request's reads on the service's own readers. What
/// goes in must come out as the driver would read it, readers must never write, and SQLite's
/// refusals must reach the code that handles them.
@Suite struct SQLiteDirectTests {
    private static let scratch = """
        CREATE TABLE scratch (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE, note TEXT, at REAL, n INTEGER)
        """

    private struct Row: Equatable {
        let label: String
        let note: String?
        let at: Date?
        let n: Int?
    }

    private static let select = FastQuery("SELECT label, note, at, n FROM scratch ORDER BY id")

    private static func row(_ columns: any ColumnReader) throws -> Row {
        Row(label: try columns.string("label"), note: try columns.optionalString("note"),
            at: try columns.optionalDate("at"), n: try columns.optionalInt("n"))
    }

    /// A request reads on the readers, both in the middlewares (the sign-in of `/me`) and in the
    /// handler's own task (the inbox, which signs in within its one statement): the binding of
    /// the readers reaches both.
    @Test func requestsReadThroughTheReaders() async throws {
        try await withTestApp(.sqlite) { app in
            // setup
            let owner = try await app.registerOwner("olive")
            _ = try await app.guestSend(to: owner.id, "Vos clés sont à l'accueil.")
            let readers = try #require(app.app.sqliteReaders)

            // act
            let before = readers.readsServed
            let me = try await app.get("/api/auth/me/", token: owner.token)
            let afterSignIn = readers.readsServed
            let inbox = try await app.get("/api/chat/conversations-anonymes/?include=conversations", token: owner.token)
            let afterInbox = readers.readsServed

            // validation
            #expect(me.status == .ok)
            #expect(afterSignIn == before + 1)
            #expect(inbox.status == .ok)
            #expect((inbox.object["conversations"] as? [Any])?.count == 1)
            #expect(afterInbox == afterSignIn + 1)
        }
    }

    /// Written by a batch's job, read by a reader: empty and non-ASCII text, NULL, a date with a
    /// fraction of a second, a negative integer; and the driver reads the same rows.
    @Test func valuesRoundTripThroughTheDirectPaths() async throws {
        try await withTestApp(.sqlite) { app in
            // setup
            try await app.sql.raw("\(unsafeRaw: Self.scratch)").run()
            let when = Date(timeIntervalSince1970: 1_764_000_000.25)
            let expected = [
                Row(label: "", note: nil, at: when, n: -7),
                Row(label: "Invité-4821 ✓ 🚲", note: "clé\nsous le paillasson", at: nil, n: nil),
            ]

            // act
            let ranInBatch = try await app.app.writer.transaction(on: app.db) { db in
                try await FastQuery("INSERT INTO scratch (label, note, at, n) VALUES (?, ?, ?, ?), (?, ?, ?, ?)", [
                    .text(expected[0].label), .null, .date(when), .int(-7),
                    .text(expected[1].label), .optional(expected[1].note), .null, .optional(nil as Int?),
                ]).run(on: db)
                return SQLiteDirect.writer != nil
            }
            let readers = try #require(app.app.sqliteReaders)
            let direct = try SQLiteDirect.$readers.withValue(readers) {
                try Self.select.allRightAway(on: app.db, Self.row)
            }
            let throughDriver = try await Self.select.all(on: app.db, Self.row)

            // validation
            #expect(ranInBatch)
            #expect(direct == expected)
            #expect(throughDriver == expected)
        }
    }

    /// A reader runs no statement that writes: FastQuery leaves it to the driver, and the
    /// connection itself (`query_only`) refuses one.
    @Test func readersNeverWrite() async throws {
        try await withTestApp(.sqlite) { app in
            // setup
            try await app.sql.raw("\(unsafeRaw: Self.scratch)").run()
            let readers = try #require(app.app.sqliteReaders)
            let insert = FastQuery("INSERT INTO scratch (label) VALUES (?)", [.text("keys")])

            // act
            let ranRightAway: [Void]? = try SQLiteDirect.$readers.withValue(readers) {
                try insert.allRightAway(on: app.db) { _ in () }
            }

            // validation
            #expect(ranRightAway == nil)
            #expect(throws: SQLiteDirectError.self) {
                try readers.withConnection { try $0.run("DELETE FROM scratch", [], requireReadOnly: false) { _ in () } }
            }
            #expect(try await app.count("scratch") == 0)
        }
    }

    /// A unique index refusing a row inside a batch is a constraint failure to the code above
    /// (sign-up's `409` depends on it), and the job's writes are undone.
    @Test func aRefusedRowIsAConstraintFailureAndUndoesTheJob() async throws {
        try await withTestApp(.sqlite) { app in
            // setup
            try await app.sql.raw("\(unsafeRaw: Self.scratch)").run()

            // act
            let error = await #expect(throws: (any Error).self) {
                try await app.app.writer.transaction(on: app.db) { db in
                    try await FastQuery("INSERT INTO scratch (label) VALUES ('bike')").run(on: db)
                    try await FastQuery("INSERT INTO scratch (label) VALUES ('bike')").run(on: db)
                }
            }

            // validation
            #expect((error as? any DatabaseError)?.isConstraintFailure == true)
            #expect(try await app.count("scratch") == 0)
        }
    }
}
