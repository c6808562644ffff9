import Foundation
import QRCodeEncoder
import Testing
@testable import QRConnect

/// `qrconnect mint-qr --sheet`: the printable sheets hold exactly the minted codes' links.
@Suite struct StickerSheetTests {
    static let baseURL = "https://qrconnect.example"

    @Test func sheetHoldsTheLinksOfTheTokens() throws {
        // setup
        let tokens = (0..<30).map { _ in UUID() }

        // act
        let pages = try StickerSheet.pages(for: tokens, publicBaseURL: Self.baseURL)

        // check: 24 on the first page, 6 on the second, in order, each the upper-case link
        #expect(pages.map(\.stickers.count) == [24, 6])
        let stickers = pages.flatMap(\.stickers)
        #expect(stickers.map(\.link) == tokens.map { "HTTPS://QRCONNECT.EXAMPLE/Q/\($0.uuidString)" })
        #expect(stickers.map(\.reference) == tokens.map { String($0.uuidString.prefix(8)) })
        for sticker in stickers {
            #expect(sticker.symbol.mode == .alphanumeric)
            #expect(sticker.symbol.errorCorrection == .quartile)
        }
    }

    /// The SVG draws, for every sticker, the symbol of its link and no other, and prints its
    /// reference: the path data on the page is the encoder's for that link.
    @Test func svgDrawsEachLinksSymbol() throws {
        // setup
        let tokens = (0..<5).map { _ in UUID() }

        // act
        let page = try #require(try StickerSheet.pages(for: tokens, publicBaseURL: Self.baseURL).first)
        let svg = page.svg()

        // check
        #expect(svg.contains("width=\"210mm\" height=\"297mm\" viewBox=\"0 0 210 297\""))
        let drawn = Self.attributeValues("d", in: svg).filter { !$0.contains("H") } // cut marks use H and V
        let expected = try tokens.map { token in
            let link = "HTTPS://QRCONNECT.EXAMPLE/Q/\(token.uuidString)"
            return try QRSymbol(encoding: link, errorCorrection: .quartile).svgPathData
        }
        #expect(drawn == expected)
        for token in tokens { #expect(svg.contains(">\(token.uuidString.prefix(8))</text>")) }
        #expect(svg.components(separatedBy: "stroke=\"#999\"").count - 1 == tokens.count, "cut marks for each sticker")
    }

    @Test func printedLinkUpperCasesOnlySchemeAndHost() {
        let token = UUID(uuidString: "3F2C8A9E-5B1D-4E7A-9C0F-8D2B6A4E1F37")!
        #expect(StickerSheet.printedLink(for: token, publicBaseURL: "http://127.0.0.1:8080")
                == "HTTP://127.0.0.1:8080/Q/3F2C8A9E-5B1D-4E7A-9C0F-8D2B6A4E1F37")
        #expect(StickerSheet.printedLink(for: token, publicBaseURL: "https://Example.org/tags/")
                == "HTTPS://EXAMPLE.ORG/tags/Q/3F2C8A9E-5B1D-4E7A-9C0F-8D2B6A4E1F37")
    }

    /// The figures README.md states under "Printing codes".
    @Test func readmeFiguresHold() throws {
        let token = UUID()
        for (base, versions) in [
            ("https://qrconnect.example", [3, 4, 4, 5]), ("http://127.0.0.1:8080", [3, 3, 4, 5]),
        ] {
            let link = StickerSheet.printedLink(for: token, publicBaseURL: base)
            let found = try ErrorCorrectionLevel.allCases.map { try QRSymbol(encoding: link, errorCorrection: $0).version }
            #expect(found == versions, "\(link)")
        }
        // The lower-case link, for comparison: byte mode, one to two versions larger.
        let lowerCase = "https://qrconnect.example/q/\(token.uuidString.lowercased())"
        #expect(try ErrorCorrectionLevel.allCases.map { try QRSymbol(encoding: lowerCase, errorCorrection: $0).version } == [4, 5, 6, 7])
        // At level Q the typical link is version 4: 33 modules, 31.4 mm across, 39 mm with its quiet zone.
        let symbol = try QRSymbol(encoding: StickerSheet.printedLink(for: token, publicBaseURL: Self.baseURL), errorCorrection: .quartile)
        let module = StickerSheet.moduleSize(forSymbolOfSide: symbol.size)
        #expect(symbol.size == 33 && abs(module * 33 - 31.39) < 0.01 && abs(module * 41 - 39) < 0.01)
        #expect(abs(StickerSheet.moduleSize(forSymbolOfSide: 37) * 37 - 32) < 0.01, "version 5")
    }

    /// Codes minted with claim codes carry them beside the reference, in bold, inside the cell.
    @Test func claimCodesArePrintedBesideTheReference() throws {
        // setup
        let codes = (0..<3).map { _ in (token: UUID(), claimCode: Optional(ClaimCode.random())) }

        // act
        let page = try #require(try StickerSheet.pages(for: codes, publicBaseURL: Self.baseURL).first)
        let svg = page.svg()

        // check
        for (index, code) in codes.enumerated() {
            #expect(svg.contains(">Code \(code.claimCode!.printed)</text>"))
            #expect(svg.contains(">\(code.token.uuidString.prefix(8))</text>"))
            let (left, top) = StickerSheet.cellOrigin(index)
            for caption in StickerSheet.captions(for: page.stickers[index], left: left, top: top) {
                // Monospaced: 0.6 em per character. The text stays inside the cell's cut marks.
                let width = 0.6 * caption.size * Double(caption.text.count)
                let start = switch caption.anchor { case .start: caption.x; case .middle: caption.x - width / 2; case .end: caption.x - width }
                #expect(start >= left + 1 && start + width <= left + StickerSheet.cellWidth - 1, "\(caption.text)")
                #expect(caption.baseline < top + StickerSheet.cellHeight - 1)
            }
        }
        #expect(svg.components(separatedBy: "font-weight=\"bold\"").count - 1 == codes.count)
    }

    /// The PDF as a printer sees it: one page per 24 stickers; each sticker's cell, rasterized at
    /// 300 dpi (`pdftoppm`), is read by a real decoder (`zbarimg`) as its own link; the text
    /// (`pdftotext`) holds each reference and claim code.
    @Test func pdfStickersScanAsTheirLinks() throws {
        // setup
        let rasterizer = try #require(Self.tool("pdftoppm"), "pdftoppm is missing: apt-get install poppler-utils (scripts/ensure-tools does)")
        let textExtractor = try #require(Self.tool("pdftotext"), "pdftotext is missing: apt-get install poppler-utils")
        let decoder = try #require(Self.tool("zbarimg"), "zbarimg is missing: apt-get install zbar-tools (scripts/ensure-tools does)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let codes = (0..<(StickerSheet.perPage + 3)).map { _ in (token: UUID(), claimCode: Optional(ClaimCode.random())) }
        let pdf = directory.appendingPathComponent("sheet.pdf")

        // act
        try StickerSheet.pdf(try StickerSheet.pages(for: codes, publicBaseURL: Self.baseURL)).write(to: pdf)

        // check: the text of each page, in order
        let text = try Self.run(textExtractor, ["-layout", pdf.path, "-"])
        let pages = text.components(separatedBy: "\u{0C}").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        #expect(pages.count == 2)
        for (index, code) in codes.enumerated() {
            let page = pages[index / StickerSheet.perPage]
            #expect(page.contains(String(code.token.uuidString.prefix(8))), "reference \(index)")
            #expect(page.contains("Code \(code.claimCode!.printed)"), "claim code \(index)")
        }
        // the codes, cell by cell (zbarimg, given a whole page, overlooks a code or two of 24)
        let dotsPerMillimetre = 300 / 25.4
        for (index, code) in codes.enumerated() {
            let (left, top) = StickerSheet.cellOrigin(index % StickerSheet.perPage)
            let cell = directory.appendingPathComponent("cell-\(index)")
            _ = try Self.run(rasterizer, [
                "-r", "300", "-png", "-singlefile", "-f", "\(index / StickerSheet.perPage + 1)", "-l", "\(index / StickerSheet.perPage + 1)",
                "-x", "\(Int(left * dotsPerMillimetre))", "-y", "\(Int(top * dotsPerMillimetre))",
                "-W", "\(Int(StickerSheet.cellWidth * dotsPerMillimetre))", "-H", "\(Int(StickerSheet.cellHeight * dotsPerMillimetre))",
                pdf.path, cell.path,
            ])
            let decoded = try? Self.run(decoder, ["--raw", "-q", cell.path + ".png"])
            #expect(decoded == "HTTPS://QRCONNECT.EXAMPLE/Q/\(code.token.uuidString)\n", "sticker \(index)")
        }
    }

    /// The command itself: N tokens on standard output, one per line and nothing else, and
    /// sheet files holding exactly those tokens' links.
    @Test func mintQRPrintsTokensAndWritesSheets() throws {
        // setup
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sheets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let environment = [
            "SQLITE_PATH": directory.appendingPathComponent("db.sqlite").path,
            "PUBLIC_BASE_URL": Self.baseURL, "DATABASE_URL": "", "AUTO_MIGRATE": "true", "LOG_LEVEL": "error",
        ]

        // act
        let output = try Self.run(["mint-qr", "--count", "26", "--sheet", directory.appendingPathComponent("codes.svg").path],
                                  environment: environment)

        // check: 26 tokens and nothing else; two pages, 24 + 2 codes, carrying those tokens
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(lines.count == 26)
        let tokens = lines.compactMap { UUID(uuidString: $0) }
        #expect(tokens.count == 26 && lines.allSatisfy { $0 == $0.lowercased() })
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".svg") }.sorted()
        #expect(files == ["codes-1.svg", "codes-2.svg"])
        let drawn = try files.flatMap { file in
            let svg = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            return Self.attributeValues("d", in: svg).filter { !$0.contains("H") }
        }
        let expected = try tokens.map {
            try QRSymbol(encoding: "HTTPS://QRCONNECT.EXAMPLE/Q/\($0.uuidString)", errorCorrection: .quartile).svgPathData
        }
        #expect(drawn == expected)
    }

    /// `--claim-code --sheet FILE.pdf`: each line is `<token>\t<claim code>`, the database keeps
    /// each code's hash, and the one PDF holds every sticker with its claim code.
    @Test func mintQRWithClaimCodesWritesOnePDF() async throws {
        // setup
        let textExtractor = try #require(Self.tool("pdftotext"), "pdftotext is missing: apt-get install poppler-utils")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("claim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let environment = [
            "SQLITE_PATH": directory.appendingPathComponent("db.sqlite").path,
            "PUBLIC_BASE_URL": Self.baseURL, "DATABASE_URL": "", "AUTO_MIGRATE": "true", "LOG_LEVEL": "error",
        ]
        let pdf = directory.appendingPathComponent("codes.pdf")

        // act
        let output = try Self.run(["mint-qr", "--count", "26", "--claim-code", "--sheet", pdf.path], environment: environment)

        // check
        let lines = output.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(lines.count == 26 && lines.allSatisfy { $0.count == 2 })
        let codes = lines.compactMap { line in UUID(uuidString: line[0]).flatMap { token in ClaimCode(typed: line[1]).map { (token, $0) } } }
        #expect(codes.count == 26)
        #expect(lines.allSatisfy { $0[1] == ClaimCode(typed: $0[1])?.printed })
        let text = try Self.run(textExtractor, [pdf.path, "-"])
        #expect(text.components(separatedBy: "\u{0C}").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }.count == 2)
        for (token, claimCode) in codes {
            #expect(text.contains("Code \(claimCode.printed)") && text.contains(String(token.uuidString.prefix(8))))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".pdf") } == ["codes.pdf"])
    }

    /// The page as a printer sees it: each sticker's cell, cut out of the page rasterized at
    /// 300 dpi (`rsvg-convert`), is read by a real decoder (`zbarimg`) as its own link.
    /// (Cell by cell because zbarimg, given the whole page, overlooks a code or two of 24.)
    @Test func rasterizedStickersScanAsTheirLinks() throws {
        // setup
        let rasterizer = try #require(Self.tool("rsvg-convert"), "rsvg-convert is missing: apt-get install librsvg2-bin (scripts/ensure-tools does)")
        let decoder = try #require(Self.tool("zbarimg"), "zbarimg is missing: apt-get install zbar-tools (scripts/ensure-tools does)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sheet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let tokens = (0..<StickerSheet.perPage).map { _ in UUID() }
        let page = try #require(try StickerSheet.pages(for: tokens, publicBaseURL: Self.baseURL).first)
        let svg = directory.appendingPathComponent("page.svg")
        try Data(page.svg().utf8).write(to: svg)

        for (index, token) in tokens.enumerated() {
            // act
            let (left, top) = StickerSheet.cellOrigin(index)
            let cell = directory.appendingPathComponent("cell-\(index).png")
            _ = try Self.run(rasterizer, [
                "-d", "300", "-p", "300", "-b", "white", "-w", "210mm", "-h", "297mm",
                "--page-width=\(StickerSheet.cellWidth)mm", "--page-height=\(StickerSheet.cellHeight)mm",
                "--left=\(-left)mm", "--top=\(-top)mm", svg.path, "-o", cell.path,
            ])
            let decoded = try? Self.run(decoder, ["--raw", "-q", cell.path])

            // check
            #expect(decoded == "HTTPS://QRCONNECT.EXAMPLE/Q/\(token.uuidString)\n", "sticker \(index)")
        }
    }

    // MARK: helpers

    static func tool(_ name: String) -> URL? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static func attributeValues(_ name: String, in svg: String) -> [String] {
        svg.components(separatedBy: " \(name)=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }

    /// Runs the built `qrconnect` and returns its standard output alone (logs go to stderr).
    static func run(_ arguments: [String], environment: [String: String]) throws -> String {
        try run(ServerProcess.executable, arguments, environment: environment)
    }

    static func run(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        // Standard error goes to a file: a pipe left unread could fill and stall the process.
        let errorLog = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorLog.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorLog) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorLog)
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let errorText = (try? String(contentsOf: errorLog, encoding: .utf8)) ?? ""
            throw TestSetupError("\(executable.lastPathComponent) \(arguments): \(errorText)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
