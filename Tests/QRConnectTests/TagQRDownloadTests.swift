import Foundation
import Testing
import Vapor
@testable import QRConnect

/// An owner downloads a tag's code to print it again; a real decoder reads it as the printed link.
@Suite struct TagQRDownloadTests {
    @Test(arguments: TestDatabase.all)
    func ownerDownloadsTheirTagsCodeAndItScansAsThePrintedLink(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.register("olive")
            let stranger = try await app.register("bruno")
            let code = try await app.mintCode()
            _ = try await app.post("/api/auth/scan-qr/", ["token": code.uuidString], token: owner.token)
            let base = "/api/tags/\(code.uuidString.uppercased())"

            // act
            let png = try await app.get("\(base)/qr.png?module=6", token: owner.token)
            let svg = try await app.get("\(base)/qr.svg", token: owner.token)

            // check: the PNG decodes to the link printed on stickers
            #expect(png.status == .ok)
            #expect(png.headers.contentType == .png)
            #expect(png.headers.first(name: .contentDisposition)?.hasPrefix("attachment") == true)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("tag-\(UUID().uuidString).png")
            try png.body.write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let decoder = try #require(StickerSheetTests.tool("zbarimg"), "zbarimg is missing: scripts/ensure-tools installs it")
            let process = Process()
            process.executableURL = decoder
            process.arguments = ["--raw", "-q", file.path]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let decoded = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            process.waitUntilExit()
            #expect(decoded == StickerSheet.printedLink(for: code, publicBaseURL: app.app.config.publicBaseURL))
            #expect(svg.status == .ok)
            #expect(svg.headers.contentType?.subType == "svg+xml")
            #expect(svg.text.hasPrefix("<svg") || svg.text.hasPrefix("<?xml"))

            // someone else's tag, an unknown one, no key, a silly size
            #expect(try await app.get("\(base)/qr.svg", token: stranger.token).status == .notFound)
            #expect(try await app.get("/api/tags/\(UUID().uuidString)/qr.png", token: owner.token).status == .notFound)
            #expect(try await app.get("\(base)/qr.png").status == .unauthorized)
            #expect(try await app.get("\(base)/qr.png?module=0", token: owner.token).status == .badRequest)
        }
    }
}
