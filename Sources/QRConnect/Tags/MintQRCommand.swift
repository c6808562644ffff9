import Fluent
import Vapor

/// `qrconnect mint-qr --count N`: creates N free codes and prints one token per line,
/// on the database the server uses. Logs go to standard error, so the output can be piped.
///
/// `--claim-code` gives each code a short secret (`ClaimCode`) that activating it will take;
/// the line is then `<token>\t<claim code>`, and the sheets print the code beside each QR.
/// `--sheet FILE.pdf` writes the codes as A4 sheets of stickers (`StickerSheet`), one page per
/// 24 codes; `--sheet FILE.svg` writes SVG, one file per page (FILE.svg, or FILE-1.svg,
/// FILE-2.svg… when they need more than one).
struct MintQRCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "count", short: "n", help: "How many codes to mint (1...100000, default 1).")
        var count: Int?

        @Flag(name: "claim-code", help: "Give each code a claim code, printed beside its QR, that activating it will take.")
        var claimCode: Bool

        @Option(name: "sheet", help: "Also write printable A4 sticker sheets: FILE.pdf (one document) or FILE.svg (a file per page).")
        var sheet: String?
    }

    var help: String { "Mints free QR codes and prints their tokens, one per line." }

    static let maxCount = 100_000

    /// A code as minted: its token, and its claim code when it has one (which only this
    /// command's output and the sheets ever show: the database keeps a hash).
    struct MintedCode {
        let token: UUID
        let claimCode: ClaimCode?
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let count = signature.count ?? 1
        guard (1...Self.maxCount).contains(count) else {
            throw ConfigError(message: "--count must be between 1 and \(Self.maxCount)")
        }
        let format = try signature.sheet.map(SheetFormat.init(path:))
        let app = context.application
        let codes = try await Self.mint(count: count, withClaimCodes: signature.claimCode, on: app.db, writer: app.writer)
        for code in codes {
            context.console.print(code.token.uuidString.lowercased() + (code.claimCode.map { "\t" + $0.printed } ?? ""))
        }
        if let path = signature.sheet, let format {
            let pages = try StickerSheet.pages(for: codes.map { ($0.token, $0.claimCode) }, publicBaseURL: app.config.publicBaseURL)
            switch format {
            case .pdf:
                try StickerSheet.pdf(pages).write(to: URL(fileURLWithPath: path))
                app.logger.info("wrote \(codes.count) stickers on \(pages.count) pages to \(path)")
            case .svg:
                for (file, page) in zip(Self.sheetFiles(path, pages: pages.count), pages) {
                    try Data(page.svg().utf8).write(to: URL(fileURLWithPath: file))
                    app.logger.info("wrote \(page.stickers.count) stickers to \(file)")
                }
            }
        }
    }

    enum SheetFormat {
        case pdf, svg

        init(path: String) throws {
            switch URL(fileURLWithPath: path).pathExtension.lowercased() {
            case "pdf": self = .pdf
            case "svg": self = .svg
            default: throw ConfigError(message: "--sheet must name a .pdf or .svg file")
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
    static func mint(count: Int, withClaimCodes: Bool = false, on db: any Database, writer: DatabaseWriter) async throws -> [MintedCode] {
        let minted = (0..<count).map { _ in MintedCode(token: UUID(), claimCode: withClaimCodes ? .random() : nil) }
        for batch in stride(from: 0, to: count, by: 500) {
            let codes = minted[batch..<min(batch + 500, count)].map { code in
                let row = QRCode(token: code.token)
                row.claimCodeHash = code.claimCode?.hash(for: code.token)
                return row
            }
            try await writer.transaction(on: db) { db in try await codes.create(on: db) }
        }
        return minted
    }
}
