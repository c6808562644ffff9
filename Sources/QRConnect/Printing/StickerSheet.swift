import Foundation
import QRCodeEncoder

/// One A4 page of QR stickers: a grid of 4 × 6 stickers, each a code about 31 mm square (large
/// enough for a phone at arm's length) with its quiet zone, the token's first 8 characters under
/// it so a sticker can be told apart by eye (and, for codes minted with one, the claim code), and
/// cut marks at its corners. This type is the layout, in millimetres from the page's top left;
/// `svg()` and `StickerSheet.pdf(_:)` draw it.
struct StickerSheet {
    struct Sticker {
        /// What the code holds: the upper-case link, `<BASE URL>/Q/<TOKEN>`.
        let link: String
        /// Printed under the code: the first 8 characters of the token.
        let reference: String
        /// Printed beside the reference when the code was minted with one.
        let claimCode: ClaimCode?
        let symbol: QRSymbol
    }

    /// A line of text under a code.
    struct Caption {
        enum Anchor { case start, middle, end }
        let text: String
        let x: Double
        let baseline: Double
        let anchor: Anchor
        let size: Double
        let bold: Bool
    }

    let stickers: [Sticker]

    // Page geometry, in millimetres.
    static let pageWidth = 210.0
    static let pageHeight = 297.0
    static let columns = 4
    static let rows = 6
    static let perPage = columns * rows
    static let cellWidth = 44.0
    static let cellHeight = 46.0
    /// The top of a cell holds the code and its quiet zone; the rest, the captions.
    static let codeBoxHeight = 41.0
    /// The code's side without its quiet zone, when the quiet zone leaves room for it.
    static let codeSide = 32.0
    static let cutMarkLength = 3.0

    /// Codes carry level Q: for an https base URL such as `https://qrconnect.example` the link
    /// takes version 4 at both M and Q, so the stronger correction (about a quarter of the
    /// code may be scratched off) costs nothing (README.md, "Printing codes").
    static let errorCorrection = ErrorCorrectionLevel.quartile

    /// The stickers for `codes`, `perPage` to a page.
    static func pages(for codes: [(token: UUID, claimCode: ClaimCode?)], publicBaseURL: String) throws -> [StickerSheet] {
        let stickers = try codes.map { token, claimCode in
            let link = printedLink(for: token, publicBaseURL: publicBaseURL)
            return Sticker(
                link: link, reference: String(token.uuidString.prefix(8)), claimCode: claimCode,
                symbol: try QRSymbol(encoding: link, errorCorrection: errorCorrection))
        }
        return stride(from: 0, to: stickers.count, by: perPage).map {
            StickerSheet(stickers: Array(stickers[$0..<min($0 + perPage, stickers.count)]))
        }
    }

    /// The stickers for codes without claim codes.
    static func pages(for tokens: [UUID], publicBaseURL: String) throws -> [StickerSheet] {
        try pages(for: tokens.map { ($0, nil) }, publicBaseURL: publicBaseURL)
    }

    /// `<PUBLIC_BASE_URL>/Q/<TOKEN>` in upper case, which fits QR's alphanumeric mode (digits,
    /// A–Z, space and `$%*+-./:`) and so gives a smaller, sturdier code than the lower-case
    /// link. Scheme and host are case-insensitive; a path in the base URL may not be (a proxy
    /// routes on it), so it stays as configured, and the encoder falls back to byte mode
    /// if it holds lower-case letters.
    static func printedLink(for token: UUID, publicBaseURL: String) -> String {
        let base = publicBaseURL.hasSuffix("/") ? String(publicBaseURL.dropLast()) : publicBaseURL
        let afterScheme = base.range(of: "://").map(\.upperBound) ?? base.startIndex
        let pathStart = base[afterScheme...].firstIndex(of: "/") ?? base.endIndex
        return base[..<pathStart].uppercased() + base[pathStart...] + "/Q/" + token.uuidString.uppercased()
    }

    /// The top-left corner of the `index`th sticker (row by row), the grid centred on the page.
    static func cellOrigin(_ index: Int) -> (left: Double, top: Double) {
        let marginX = (pageWidth - Double(columns) * cellWidth) / 2
        let marginY = (pageHeight - Double(rows) * cellHeight) / 2
        return (marginX + Double(index % columns) * cellWidth, marginY + Double(index / columns) * cellHeight)
    }

    /// Millimetres per module: the code near `codeSide` across, unless its 4-module quiet zone
    /// would then come within 1 mm of the cut marks.
    static func moduleSize(forSymbolOfSide modules: Int) -> Double {
        min(codeSide / Double(modules), (codeBoxHeight - 2) / Double(modules + 8))
    }

    /// Where the code goes in its cell (centred in the top part), and its module size.
    static func codePlacement(_ symbol: QRSymbol, left: Double, top: Double) -> (x: Double, y: Double, module: Double) {
        let module = moduleSize(forSymbolOfSide: symbol.size)
        let side = module * Double(symbol.size)
        return (left + (cellWidth - side) / 2, top + (codeBoxHeight - side) / 2, module)
    }

    /// The text under a code, on one line below its quiet zone: the reference alone, centred; or
    /// the reference on the left and `Code K7M-3QF` in bold on the right, in a monospaced face
    /// (DejaVu Sans Mono in SVG, Courier in PDF: both 0.6 em wide per character, so either fits).
    static func captions(for sticker: Sticker, left: Double, top: Double) -> [Caption] {
        let baseline = top + codeBoxHeight + 2.5
        guard let claimCode = sticker.claimCode else {
            return [Caption(text: sticker.reference, x: left + cellWidth / 2, baseline: baseline,
                            anchor: .middle, size: 3.2, bold: false)]
        }
        return [
            Caption(text: sticker.reference, x: left + 3, baseline: baseline, anchor: .start, size: 2.8, bold: false),
            Caption(text: "Code " + claimCode.printed, x: left + cellWidth - 3, baseline: baseline,
                    anchor: .end, size: 2.8, bold: true),
        ]
    }

    /// The L at each corner of a cell, along its edges: cut from mark to mark. Each mark is three
    /// points: the end on the horizontal edge, the corner, the end on the vertical edge.
    static func cutMarks(left: Double, top: Double) -> [[(x: Double, y: Double)]] {
        let right = left + cellWidth
        let bottom = top + cellHeight
        let l = cutMarkLength
        return [(left, top, l, l), (right, top, -l, l), (left, bottom, l, -l), (right, bottom, -l, -l)].map { x, y, dx, dy in
            [(x + dx, y), (x, y), (x, y + dy)]
        }
    }
}

/// A length with at most 3 decimals, so the drawing stays readable.
func millimetres(_ value: Double) -> String {
    let rounded = (value * 1000).rounded() / 1000
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
}
