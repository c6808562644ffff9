import Foundation

/// The smallest PDF 1.4 writer that prints well: pages of vector drawing and text in the
/// standard Courier faces (which every PDF reader has, so no font is embedded). Content streams
/// are written uncompressed: a page of stickers is plain rectangles and a little text.
struct PDFDocument {
    /// A4 in points (1/72 inch).
    static let a4 = (width: 595.276, height: 841.89)

    /// Each page's content stream, in PDF drawing operators (`re`, `f`, `Tj`…), fonts `/F1`
    /// (Courier) and `/F2` (Courier-Bold).
    var pages: [String] = []

    /// The whole file: header, objects, cross-reference table, trailer.
    func data() -> Data {
        var out = Data("%PDF-1.4\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8)
        var offsets: [Int] = []
        func object(_ body: String) {
            offsets.append(out.count)
            out.append(Data("\(offsets.count) 0 obj\n\(body)\nendobj\n".utf8))
        }
        // 1 catalog, 2 page tree, 3–4 fonts, then a page and its content for each page.
        let pageObjects = pages.indices.map { 5 + 2 * $0 }
        object("<< /Type /Catalog /Pages 2 0 R >>")
        object("<< /Type /Pages /Kids [\(pageObjects.map { "\($0) 0 R" }.joined(separator: " "))] /Count \(pages.count) >>")
        object("<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>")
        object("<< /Type /Font /Subtype /Type1 /BaseFont /Courier-Bold /Encoding /WinAnsiEncoding >>")
        for (index, content) in pages.enumerated() {
            object("""
                << /Type /Page /Parent 2 0 R /MediaBox [0 0 \(Self.a4.width) \(Self.a4.height)] \
                /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents \(pageObjects[index] + 1) 0 R >>
                """)
            let stream = Data(content.utf8)
            object("<< /Length \(stream.count) >>\nstream\n\(content)\nendstream")
        }
        let xref = out.count
        var table = "xref\n0 \(offsets.count + 1)\n0000000000 65535 f \n"
        for offset in offsets {
            table += String(repeating: "0", count: 10 - String(offset).count) + "\(offset) 00000 n \n"
        }
        table += "trailer\n<< /Size \(offsets.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        out.append(Data(table.utf8))
        return out
    }

    /// Text as a PDF string literal: `(…)` with its delimiters and backslashes escaped.
    static func literal(_ text: String) -> String {
        "(" + text.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "(", with: "\\(")
            .replacingOccurrences(of: ")", with: "\\)") + ")"
    }
}
