import Testing
@testable import QRConnect

@Suite struct SmokeTests {
    @Test(arguments: TestDatabase.all)
    func healthAnswers(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            let response = try await app.get("/healthz")
            #expect(response.status == .ok)
            let owner = try await app.registerOwner("alice")
            let sent = try await app.guestSend(to: owner.id, "hello")
            #expect(sent.status == .created)
        }
    }
}
