/// SVG output: one `<path>` holding every dark module, in module units, so the symbol stays
/// crisp at any print size.
extension QRSymbol {
    /// Path data for the dark modules, one unit per module, the symbol's top-left corner at
    /// the origin (no quiet zone). Runs of dark modules in a row become one rectangle, which
    /// keeps the path about a third of the length of one square per module.
    public var svgPathData: String {
        var path = ""
        for row in 0..<size {
            var column = 0
            while column < size {
                guard isDark(column: column, row: row) else {
                    column += 1
                    continue
                }
                let start = column
                while column < size && isDark(column: column, row: row) { column += 1 }
                path += "M\(start) \(row)h\(column - start)v1h-\(column - start)z"
            }
        }
        return path
    }

    /// A standalone `<svg>` element: white background, the quiet zone (4 modules, as the
    /// standard requires, by default) and the dark modules. `width` and `height` take any SVG
    /// length ("30mm", "240"); without them the viewer picks the size.
    public func svg(quietZone: Int = 4, width: String? = nil, height: String? = nil) -> String {
        let side = size + 2 * quietZone
        let dimensions = [width.map { " width=\"\($0)\"" }, height.map { " height=\"\($0)\"" }]
            .compactMap { $0 }.joined()
        return """
            <svg xmlns="http://www.w3.org/2000/svg"\(dimensions) viewBox="\(-quietZone) \(-quietZone) \(side) \(side)" \
            shape-rendering="crispEdges">\
            <rect x="\(-quietZone)" y="\(-quietZone)" width="\(side)" height="\(side)" fill="#fff"/>\
            <path d="\(svgPathData)" fill="#000"/></svg>
            """
    }
}
