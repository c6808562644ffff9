import Foundation
import Testing
import Vapor
@testable import QRConnect

/// The guest cookie acts only from this site's own pages; its flags keep it out of scripts and
/// other sites.
@Suite struct CrossSiteTests {
    @Test(arguments: TestDatabase.all)
    func cookieWriteFromAnotherSiteIsRefusedAndChangesNothing(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.registerOwner("olive")
            let first = try await app.guestSend(to: owner.id, "hi", as: "Finder")
            let token = try #require(first.object["guest_token"] as? String)
            let body = #"{"receiver": \#(owner.id), "content": "forged"}"#
            let port = try #require(app.app.http.server.shared.localAddress?.port)

            // act + check: refused when a browser says the page is elsewhere
            for headers: HTTPHeaders in [
                ["Cookie": "guest_token=\(token)", "Origin": "https://evil.example"],
                ["Cookie": "guest_token=\(token)", "Sec-Fetch-Site": "cross-site"],
                ["Cookie": "guest_token=\(token)", "Origin": "null"],
            ] {
                let response = try await app.send(.POST, "/api/chat/send/", rawBody: body, headers: headers)
                #expect(response.status == .forbidden, "\(headers)")
                #expect(response.errorCode == "cross_site_request")
            }
            #expect(try await app.count("messages") == 1)

            // accepted from the site itself, from a client that sends no Origin, and with the header token
            let fromSite = try await app.send(.POST, "/api/chat/send/", rawBody: body,
                headers: ["Cookie": "guest_token=\(token)", "Origin": "http://127.0.0.1:\(port)", "Sec-Fetch-Site": "same-origin"])
            #expect(fromSite.status == .created)
            let noOrigin = try await app.send(.POST, "/api/chat/send/", rawBody: body, headers: ["Cookie": "guest_token=\(token)"])
            #expect(noOrigin.status == .created)
            let headerToken = try await app.send(.POST, "/api/chat/send/", rawBody: body,
                headers: ["X-Guest-Token": token, "Origin": "https://evil.example"])
            #expect(headerToken.status == .created)
            #expect(try await app.count("messages") == 4)
        }
    }

    @Test(arguments: TestDatabase.all)
    func cookieSocketFromAnotherSiteIsRefused(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            let owner = try await app.registerOwner("olive")
            let token = try #require(try await app.guestSend(to: owner.id, "hi").object["guest_token"] as? String)
            await #expect(throws: (any Error).self) {
                try await app.socket(headers: ["Cookie": "guest_token=\(token)", "Origin": "https://evil.example"])
            }
            let socket = try await app.readySocket(headers: ["Cookie": "guest_token=\(token)"])
            await socket.close()
        }
    }

    @Test(arguments: TestDatabase.all)
    func guestCookieFlags(_ database: TestDatabase) async throws {
        for (publicURL, secure) in [("http://127.0.0.1:8080", false), ("https://qr.example", true)] {
            try await withTestApp(database, configure: { $0.publicBaseURL = publicURL }) { app in
                let owner = try await app.registerOwner("olive")
                let sent = try await app.guestSend(to: owner.id, "hi")
                let cookie = try #require(sent.headers.first(name: .setCookie))
                let attributes = Set(cookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
                #expect(attributes.contains("httponly"))
                #expect(attributes.contains("samesite=lax"))
                #expect(attributes.contains("path=/api"))
                #expect(attributes.contains("secure") == secure, "\(publicURL): \(cookie)")
            }
        }
    }
}
