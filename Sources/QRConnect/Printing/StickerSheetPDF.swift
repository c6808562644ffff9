import Foundation
import QRCodeEncoder

/// Sticker sheets as one PDF document, a page per sheet: what most people print from.
extension StickerSheet {
    /// Points per millimetre.
    private static let pointsPerMillimetre = 72 / 25.4

    static func pdf(_ sheets: [StickerSheet]) -> Data {
        PDFDocument(pages: sheets.map { $0.pdfContent() }).data()
    }

    /// The page's drawing. The first operator makes the units millimetres with y growing down,
    /// as in the layout and the SVG; text is flipped back upright by its own matrix.
    func pdfContent() -> String {
        let scale = (Self.pointsPerMillimetre * 1e6).rounded() / 1e6
        var ops = ["\(scale) 0 0 -\(scale) 0 \(PDFDocument.a4.height) cm"]
        for (index, sticker) in stickers.enumerated() {
            let (left, top) = Self.cellOrigin(index)
            ops.append(code(sticker.symbol, left: left, top: top))
            for caption in Self.captions(for: sticker, left: left, top: top) {
                ops.append(text(caption))
            }
            ops.append(cutMarks(left: left, top: top))
        }
        return ops.joined(separator: "\n")
    }

    /// The dark modules as filled rectangles, one per horizontal run of a row.
    private func code(_ symbol: QRSymbol, left: Double, top: Double) -> String {
        let (x, y, module) = Self.codePlacement(symbol, left: left, top: top)
        var rectangles: [String] = []
        for row in 0..<symbol.size {
            var column = 0
            while column < symbol.size {
                guard symbol.isDark(column: column, row: row) else { column += 1; continue }
                let start = column
                while column < symbol.size, symbol.isDark(column: column, row: row) { column += 1 }
                rectangles.append("\(millimetres(x + Double(start) * module)) \(millimetres(y + Double(row) * module)) "
                                  + "\(millimetres(Double(column - start) * module)) \(millimetres(module)) re")
            }
        }
        return "0 g\n" + rectangles.joined(separator: "\n") + "\nf"
    }

    /// Courier is 0.6 em per character, so anchoring needs no font metrics.
    private func text(_ caption: Caption) -> String {
        let width = 0.6 * caption.size * Double(caption.text.count)
        let x = switch caption.anchor {
        case .start: caption.x
        case .middle: caption.x - width / 2
        case .end: caption.x - width
        }
        return "BT /\(caption.bold ? "F2" : "F1") \(millimetres(caption.size)) Tf "
            + "1 0 0 -1 \(millimetres(x)) \(millimetres(caption.baseline)) Tm \(PDFDocument.literal(caption.text)) Tj ET"
    }

    private func cutMarks(left: Double, top: Double) -> String {
        let strokes = Self.cutMarks(left: left, top: top).map { mark in
            "\(millimetres(mark[0].x)) \(millimetres(mark[0].y)) m "
                + mark.dropFirst().map { "\(millimetres($0.x)) \(millimetres($0.y)) l" }.joined(separator: " ")
        }
        return "0.6 G 0.2 w\n" + strokes.joined(separator: "\n") + "\nS"
    }
}
