import QRCodeEncoder

/// A sticker sheet as a standalone SVG document, 210 × 297 mm, one per page.
extension StickerSheet {
    func svg() -> String {
        var body = ""
        for (index, sticker) in stickers.enumerated() {
            let (left, top) = Self.cellOrigin(index)
            body += code(sticker.symbol, left: left, top: top)
            for caption in Self.captions(for: sticker, left: left, top: top) {
                body += text(caption)
            }
            body += cutMarks(left: left, top: top)
        }
        let (width, height) = (millimetres(Self.pageWidth), millimetres(Self.pageHeight))
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)mm" height="\(height)mm" viewBox="0 0 \(width) \(height)">
            <rect width="\(width)" height="\(height)" fill="#fff"/>
            \(body)</svg>

            """
    }

    /// The code as one path of its dark modules, scaled to its place in the cell.
    private func code(_ symbol: QRSymbol, left: Double, top: Double) -> String {
        let (x, y, module) = Self.codePlacement(symbol, left: left, top: top)
        return """
            <path transform="translate(\(millimetres(x)) \(millimetres(y))) scale(\((module * 1e6).rounded() / 1e6))" \
            shape-rendering="crispEdges" d="\(symbol.svgPathData)"/>

            """
    }

    private func text(_ caption: Caption) -> String {
        let anchor = switch caption.anchor { case .start: "start"; case .middle: "middle"; case .end: "end" }
        let weight = caption.bold ? " font-weight=\"bold\"" : ""
        return """
            <text x="\(millimetres(caption.x))" y="\(millimetres(caption.baseline))" \
            font-family="DejaVu Sans Mono, monospace" font-size="\(millimetres(caption.size))"\(weight) \
            text-anchor="\(anchor)">\(caption.text)</text>

            """
    }

    private func cutMarks(left: Double, top: Double) -> String {
        let path = Self.cutMarks(left: left, top: top).map { mark in
            "M\(millimetres(mark[0].x)) \(millimetres(mark[0].y))H\(millimetres(mark[1].x))V\(millimetres(mark[2].y))"
        }.joined()
        return "<path d=\"\(path)\" fill=\"none\" stroke=\"#999\" stroke-width=\"0.2\"/>\n"
    }
}
