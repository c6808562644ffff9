import Foundation
import QRCodeEncoder

/// One A4 page of QR stickers, as SVG in millimetres: a grid of 4 × 6 stickers, each a code
/// about 31 mm square (large enough for a phone at arm's length) with its quiet zone, the
/// token's first 8 characters under it so a sticker can be told apart by eye, and cut marks
/// at its corners.
struct StickerSheet {
    struct Sticker {
        /// What the code holds: the upper-case link, `<BASE URL>/Q/<TOKEN>`.
        let link: String
        /// Printed under the code: the first 8 characters of the token.
        let reference: String
        let symbol: QRSymbol
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
    /// The top of a cell holds the code and its quiet zone; the rest, the reference.
    static let codeBoxHeight = 41.0
    /// The code's side without its quiet zone, when the quiet zone leaves room for it.
    static let codeSide = 32.0
    static let cutMarkLength = 3.0

    /// Codes carry level Q: for an https base URL such as `https://qrconnect.example` the link
    /// takes version 4 at both M and Q, so the stronger correction (about a quarter of the
    /// code may be scratched off) costs nothing (README.md, "Printing codes").
    static let errorCorrection = ErrorCorrectionLevel.quartile

    /// The stickers for `tokens`, `perPage` to a page.
    static func pages(for tokens: [UUID], publicBaseURL: String) throws -> [StickerSheet] {
        let stickers = try tokens.map { token in
            let link = printedLink(for: token, publicBaseURL: publicBaseURL)
            return Sticker(
                link: link, reference: String(token.uuidString.prefix(8)),
                symbol: try QRSymbol(encoding: link, errorCorrection: errorCorrection))
        }
        return stride(from: 0, to: stickers.count, by: perPage).map {
            StickerSheet(stickers: Array(stickers[$0..<min($0 + perPage, stickers.count)]))
        }
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

    /// The page as a standalone SVG document, 210 × 297 mm.
    func svg() -> String {
        var body = ""
        for (index, sticker) in stickers.enumerated() {
            let (left, top) = Self.cellOrigin(index)
            body += code(sticker.symbol, left: left, top: top)
            body += """
                <text x="\(mm(left + Self.cellWidth / 2))" y="\(mm(top + Self.codeBoxHeight + 2.5))" \
                font-family="DejaVu Sans Mono, monospace" font-size="3.2" text-anchor="middle">\(sticker.reference)</text>

                """
            body += cutMarks(left: left, top: top)
        }
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(mm(Self.pageWidth))mm" height="\(mm(Self.pageHeight))mm" \
            viewBox="0 0 \(mm(Self.pageWidth)) \(mm(Self.pageHeight))">
            <rect width="\(mm(Self.pageWidth))" height="\(mm(Self.pageHeight))" fill="#fff"/>
            \(body)</svg>

            """
    }

    /// Millimetres per module: the code near `codeSide` across, unless its 4-module quiet zone
    /// would then come within 1 mm of the cut marks.
    static func moduleSize(forSymbolOfSide modules: Int) -> Double {
        min(codeSide / Double(modules), (codeBoxHeight - 2) / Double(modules + 8))
    }

    /// The code centred in the top of its cell.
    private func code(_ symbol: QRSymbol, left: Double, top: Double) -> String {
        let module = Self.moduleSize(forSymbolOfSide: symbol.size)
        let side = module * Double(symbol.size)
        let x = left + (Self.cellWidth - side) / 2
        let y = top + (Self.codeBoxHeight - side) / 2
        return """
            <path transform="translate(\(mm(x)) \(mm(y))) scale(\((module * 1e6).rounded() / 1e6))" shape-rendering="crispEdges" \
            d="\(symbol.svgPathData)"/>

            """
    }

    /// An L at each corner of the cell, along its edges: cut from mark to mark.
    private func cutMarks(left: Double, top: Double) -> String {
        let right = left + Self.cellWidth
        let bottom = top + Self.cellHeight
        let l = Self.cutMarkLength
        let corners = [(left, top, l, l), (right, top, -l, l), (left, bottom, l, -l), (right, bottom, -l, -l)]
        let path = corners.map { x, y, dx, dy in "M\(mm(x + dx)) \(mm(y))H\(mm(x))V\(mm(y + dy))" }.joined()
        return "<path d=\"\(path)\" fill=\"none\" stroke=\"#999\" stroke-width=\"0.2\"/>\n"
    }

    /// A length with at most 3 decimals, so the SVG stays readable.
    private func mm(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
