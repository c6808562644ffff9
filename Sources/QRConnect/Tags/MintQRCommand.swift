import Fluent
import Vapor

/// `qrconnect mint-qr --count N`: creates N free codes and prints one token per line,
/// on the database the server uses. Logs go to standard error, so the output can be piped.
/// `--sheet FILE.svg` also writes the codes as A4 sheets of stickers (`StickerSheet`): one
/// page in FILE.svg, or FILE-1.svg, FILE-2.svg… when they need more than one.
struct MintQRCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "count", short: "n", help: "How many codes to mint (1...100000, default 1).")
        var count: Int?

        @Option(name: "sheet", help: "Also write printable A4 sticker sheets to this SVG file (FILE-1.svg… if several pages).")
        var sheet: String?
    }

    var help: String { "Mints free QR codes and prints their tokens, one per line." }

    static let maxCount = 100_000

    func run(using context: CommandContext, signature: Signature) async throws {
        let count = signature.count ?? 1
        guard (1...Self.maxCount).contains(count) else {
            throw ConfigError(message: "--count must be between 1 and \(Self.maxCount)")
        }
        let app = context.application
        let tokens = try await Self.mint(count: count, on: app.db, writer: app.writer)
        for token in tokens {
            context.console.print(token.uuidString.lowercased())
        }
        if let sheet = signature.sheet {
            let pages = try StickerSheet.pages(for: tokens, publicBaseURL: app.config.publicBaseURL)
            for (file, page) in zip(Self.sheetFiles(sheet, pages: pages.count), pages) {
                try Data(page.svg().utf8).write(to: URL(fileURLWithPath: file))
                app.logger.info("wrote \(page.stickers.count) stickers to \(file)")
            }
        }
    }

    /// `FILE.svg` for one page; `FILE-1.svg`, `FILE-2.svg`… for several.
    static func sheetFiles(_ path: String, pages: Int) -> [String] {
        guard pages > 1 else { return [path] }
        let url = URL(fileURLWithPath: path)
        let stem = url.deletingPathExtension().path
        let suffix = url.pathExtension.isEmpty ? "" : "." + url.pathExtension
        return (1...pages).map { "\(stem)-\($0)\(suffix)" }
    }

    /// Inserts `count` fresh codes in batches, each batch one transaction.
    static func mint(count: Int, on db: any Database, writer: DatabaseWriter) async throws -> [UUID] {
        let tokens = (0..<count).map { _ in UUID() }
        for batch in stride(from: 0, to: count, by: 500) {
            let codes = tokens[batch..<min(batch + 500, count)].map(QRCode.init(token:))
            try await writer.transaction(on: db) { db in try await codes.create(on: db) }
        }
        return tokens
    }
}
