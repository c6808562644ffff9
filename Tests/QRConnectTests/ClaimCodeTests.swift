import Fluent
import Foundation
import Testing
import Vapor
@testable import QRConnect

/// Codes minted with `--claim-code`: activating one takes the code printed beside its QR.
@Suite struct ClaimCodeTests {
    @Test func typedCodesAreReadForgivingly() throws {
        let code = ClaimCode.random()
        #expect(code.characters.count == 6 && code.characters.allSatisfy(ClaimCode.alphabet.contains))
        #expect(code.printed.count == 7 && code.printed.dropFirst(3).first == "-")
        for typed in [code.printed, code.characters.lowercased(), " \(code.printed.lowercased()) ",
                      code.characters.prefix(3) + " " + code.characters.suffix(3)] {
            #expect(ClaimCode(typed: typed) == code, "\(typed)")
        }
        for typed in ["", "K7M-3Q", "K7M-3QFF", "K7M-3Q0", "K7M-3QI", "K7M_3QF", "K7M-3Qé"] {
            #expect(ClaimCode(typed: typed) == nil, "\(typed)")
        }
    }

    @Test(arguments: TestDatabase.all)
    func scanningAsksForTheCodeAndChangesNothing(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let (token, _) = try await app.mintCodeWithClaimCode()

            // act
            let anonymous = try await app.post("/api/auth/scan-qr/", ["token": token.uuidString])
            let signedIn = try await app.post("/api/auth/scan-qr/", ["token": token.uuidString], token: alice.token)

            // check
            #expect(anonymous.object["status"] as? String == "inactive")
            #expect(anonymous.object["claim_code_required"] as? Bool == true)
            #expect(signedIn.status == .ok)
            #expect(signedIn.object["status"] as? String == "claim_code_required", "\(signedIn.text)")
            #expect(try await Self.owner(of: token, app) == nil)
        }
    }

    @Test(arguments: TestDatabase.all)
    func wrongCodeIsRefusedAndTheRightOneActivates(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let (token, code) = try await app.mintCodeWithClaimCode()
            let wrong = ClaimCode.random()
            try #require(wrong != code)

            // act
            let refused = try await app.post(
                "/api/auth/scan-qr/", ["token": token.uuidString, "claim_code": wrong.printed], token: alice.token)
            let garbage = try await app.post(
                "/api/auth/scan-qr/", ["token": token.uuidString, "claim_code": "nope"], token: alice.token)

            // check
            #expect(refused.status == .forbidden && refused.errorCode == "wrong_claim_code", "\(refused.text)")
            #expect(garbage.status == .forbidden && garbage.errorCode == "wrong_claim_code", "\(garbage.text)")
            #expect(try await Self.owner(of: token, app) == nil)

            // act: as typed on a phone
            let typed = code.characters.lowercased().prefix(3) + " " + code.characters.lowercased().suffix(3)
            let activated = try await app.post(
                "/api/auth/scan-qr/", ["token": token.uuidString, "claim_code": typed], token: alice.token)

            // check
            #expect(activated.object["status"] as? String == "activated", "\(activated.text)")
            #expect(try await Self.owner(of: token, app) == alice.id)
            let bob = try await app.register("bob")
            let later = try await app.post("/api/auth/scan-qr/", ["token": token.uuidString], token: bob.token)
            #expect(later.object["status"] as? String == "linked")
            #expect(later.object["owner_id"] as? Int == alice.id)
        }
    }

    /// Past the per-code limit even the right code gets `429`: a guesser learns nothing more.
    @Test(arguments: TestDatabase.all)
    func triesAgainstOneCodeAreLimited(_ database: TestDatabase) async throws {
        try await withTestApp(database, configure: { $0.limits.codeClaimAttempts = RateLimit(3, per: 3600) }) { app in
            // setup
            let alice = try await app.register("alice")
            let (token, code) = try await app.mintCodeWithClaimCode()

            // act
            var statuses: [HTTPStatus] = []
            for _ in 0..<3 {
                let wrong = ClaimCode.random()
                let response = try await app.post(
                    "/api/auth/scan-qr/", ["token": token.uuidString, "claim_code": wrong == code ? "nope" : wrong.printed],
                    token: alice.token)
                statuses.append(response.status)
            }
            let right = try await app.post(
                "/api/auth/scan-qr/", ["token": token.uuidString, "claim_code": code.printed], token: alice.token)

            // check
            #expect(statuses == [.forbidden, .forbidden, .forbidden])
            #expect(right.status == .tooManyRequests && right.errorCode == "rate_limited", "\(right.text)")
            #expect(right.headers.first(name: "Retry-After") != nil)
            #expect(try await Self.owner(of: token, app) == nil)
        }
    }

    @Test(arguments: TestDatabase.all)
    func triesFromOneAddressAreLimited(_ database: TestDatabase) async throws {
        try await withTestApp(database, configure: { $0.limits.addressClaimAttempts = RateLimit(2, per: 3600) }) { app in
            let alice = try await app.register("alice")
            var statuses: [HTTPStatus] = []
            for _ in 0..<3 {
                let (token, _) = try await app.mintCodeWithClaimCode()
                let response = try await app.post(
                    "/api/auth/scan-qr/", ["token": token.uuidString, "claim_code": "AAA-AAA"], token: alice.token)
                statuses.append(response.status)
            }
            #expect(statuses.prefix(2).allSatisfy { $0 == .forbidden || $0 == .ok })
            #expect(statuses.last == .tooManyRequests)
        }
    }

    @Test(arguments: TestDatabase.all)
    func codesMintedWithoutOneIgnoreIt(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            let alice = try await app.register("alice")
            let token = try await app.mintCode()
            let response = try await app.post(
                "/api/auth/scan-qr/", ["token": token.uuidString, "claim_code": "ZZZ-ZZZ"], token: alice.token)
            #expect(response.object["status"] as? String == "activated", "\(response.text)")
        }
    }

    /// The table keeps a hash bound to the token, never the code.
    @Test(arguments: TestDatabase.all)
    func theDatabaseKeepsOnlyAHash(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            let (token, code) = try await app.mintCodeWithClaimCode()
            let row = try #require(try await QRCode.query(on: app.db).filter(\.$token == token).first())
            let stored = try #require(row.claimCodeHash)
            #expect(stored == code.hash(for: token))
            #expect(!stored.uppercased().contains(code.characters))
            #expect(code.hash(for: UUID()) != stored)
        }
    }

    static func owner(of token: UUID, _ app: TestApp) async throws -> Int? {
        try await QRCode.query(on: app.db).filter(\.$token == token).first()?.$owner.id
    }
}
