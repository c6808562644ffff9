import Foundation
import Testing
import Vapor
@testable import QRConnect

/// The web pages as HTTP sees them: HTML with the security headers, the upper-case scan link,
/// the language, the static files' types and caching. Their behaviour in a browser is tested by
/// `tests/browser/` (Playwright).
@Suite struct WebPagesTests {
    static let pages = [
        "/q/ffe7c67a-8db3-4396-b013-d9df2db9f46f",
        "/Q/FFE7C67A-8DB3-4396-B013-D9DF2DB9F46F",
        "/q/not-a-token",
        "/chat/1",
        "/chat/1/",
        "/app",
        "/app/",
    ]

    @Test(arguments: TestDatabase.all, pages)
    func pagesAreHTMLWithSecurityHeaders(_ database: TestDatabase, path: String) async throws {
        try await withTestApp(database) { app in
            let response = try await app.send(.GET, path)

            #expect(response.status == .ok)
            #expect(response.headers.contentType == .html)
            #expect(response.text.hasPrefix("<!doctype html>"))
            let csp = try #require(response.headers.first(name: "Content-Security-Policy"))
            #expect(csp.contains("default-src 'self'"))
            #expect(csp.contains("frame-ancestors 'none'"))
            #expect(!csp.contains("unsafe-inline"))
            // The live socket: this origin, and the socket origin of PUBLIC_BASE_URL, nothing else.
            #expect(csp.contains("connect-src 'self' ws://127.0.0.1:8080;"))
            #expect(response.headers.first(name: "Referrer-Policy") == "no-referrer")
            #expect(response.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(response.headers.first(name: .vary) == "Accept-Language")
        }
    }

    @Test(arguments: [
        ("https://qrconnect.example", "wss://qrconnect.example"),
        ("https://QRConnect.example:8443/", "wss://qrconnect.example:8443"),
        ("http://127.0.0.1:8080", "ws://127.0.0.1:8080"),
        ("http://localhost", "ws://localhost"),
        ("ftp://qrconnect.example", nil),
        ("https://qrconnect.example; script-src *", nil),
        ("https://*.example", nil),
        ("not a URL", nil),
    ] as [(String, String?)])
    func theSocketOriginIsThePublicHostOnly(_ example: (publicBaseURL: String, origin: String?)) {
        #expect(PageSecurityHeaders.socketOrigin(of: example.publicBaseURL) == example.origin)
        let csp = PageSecurityHeaders.contentSecurityPolicy(publicBaseURL: example.publicBaseURL)
        #expect(csp.contains("connect-src 'self'\(example.origin.map { " " + $0 } ?? "");"))
        #expect(csp.contains("default-src 'self'"))
    }

    @Test(arguments: TestDatabase.all)
    func pagesHoldNoInlineScriptOrStyle(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            for path in ["/q/x", "/chat/1", "/app"] {
                let html = try await app.send(.GET, path).text
                #expect(!html.contains("<style"), "\(path)")
                #expect(!html.contains("style="), "\(path)")
                #expect(!html.contains(" on"), "\(path): an inline event handler")
                let scripts = html.components(separatedBy: "<script").dropFirst()
                #expect(scripts.allSatisfy { $0.hasPrefix(" type=\"module\" src=\"/static/") }, "\(path)")
            }
        }
    }

    @Test(arguments: TestDatabase.all, [
        (nil, "fr"), ("fr-FR,fr;q=0.9", "fr"), ("en-US,en;q=0.9", "en"), ("de-DE,en;q=0.5,fr;q=0.4", "en"),
        ("de-DE", "fr"), ("fr;q=0.8,en;q=0.9", "en"), ("en;q=0", "fr"),
    ] as [(String?, String)])
    func theLanguageFollowsTheBrowser(_ database: TestDatabase, choice: (header: String?, language: String)) async throws {
        let (header, language) = choice
        try await withTestApp(database) { app in
            var headers = HTTPHeaders()
            if let header { headers.add(name: .acceptLanguage, value: header) }
            let response = try await app.send(.GET, "/app", headers: headers)
            #expect(response.text.contains("<html lang=\"\(language)\">"))
        }
    }

    @Test(arguments: TestDatabase.all, [
        ("/static/css/site.css", "text/css"),
        ("/static/js/app.js", "text/javascript"),
        ("/static/js/chat.js", "text/javascript"),
        ("/static/js/scan.js", "text/javascript"),
        ("/static/icon.svg", "image/svg+xml"),
    ])
    func assetsHaveTheirContentType(_ database: TestDatabase, asset: (path: String, type: String)) async throws {
        let (path, type) = asset
        try await withTestApp(database) { app in
            let response = try await app.send(.GET, path)

            #expect(response.status == .ok)
            let contentType = try #require(response.headers.first(name: .contentType))
            #expect(contentType.hasPrefix(type))
            #expect(response.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(response.headers.first(name: .cacheControl) == "no-cache")
            let etag = try #require(response.headers.first(name: .eTag))

            // A browser that holds this version gets an empty 304.
            let again = try await app.send(.GET, path, headers: ["If-None-Match": etag])
            #expect(again.status == .notModified)
            #expect(again.body.isEmpty)
        }
    }

    @Test(arguments: TestDatabase.all, ["/static/nothing.js", "/static/../Package.swift", "/static/js", "/static/"])
    func nothingElseIsServed(_ database: TestDatabase, path: String) async throws {
        try await withTestApp(database) { app in
            let response = try await app.send(.GET, path)
            #expect(response.status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.all)
    func theRootLeadsToTheApp(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // The test client follows the `303` by itself: where it lands is what a browser shows.
            let response = try await app.send(.GET, "/")
            #expect(response.status == .ok)
            #expect(response.text.contains("src=\"/static/js/app.js\""))
        }
    }

    @Test func everyScriptTheLoaderFindsIsServed() throws {
        let assets = try WebAssets.bundled()
        for page in ["scan", "chat", "app"] {
            for language in PageLanguage.allCases {
                #expect(assets.page(page, language) != nil, "\(page).\(language)")
            }
        }
        for module in ["api", "app", "chat", "dom", "i18n", "labels", "live", "messages", "scan"] {
            #expect(assets.file("js/\(module).js") != nil, "\(module)")
        }
    }
}
