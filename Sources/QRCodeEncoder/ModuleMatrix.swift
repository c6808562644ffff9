/// The square of modules being built: which are dark, and which belong to function patterns
/// (finders, separators, timing, alignment, format and version information) and so are
/// neither filled with data nor masked. Row-major; `x` is the column, `y` the row.
struct ModuleMatrix {
    let version: Int
    let size: Int
    private(set) var dark: [Bool]
    private(set) var isFunction: [Bool]

    /// A matrix with every function pattern drawn and the format area reserved (light).
    init(version: Int) {
        self.version = version
        size = VersionTable.size(of: version)
        dark = Array(repeating: false, count: size * size)
        isFunction = Array(repeating: false, count: size * size)
        drawFunctionPatterns()
    }

    subscript(x: Int, y: Int) -> Bool { dark[y * size + x] }

    private mutating func setFunction(_ x: Int, _ y: Int, dark value: Bool) {
        dark[y * size + x] = value
        isFunction[y * size + x] = true
    }

    private mutating func drawFunctionPatterns() {
        // Timing patterns: alternating, dark on even coordinates, along row 6 and column 6.
        for index in 0..<size {
            setFunction(6, index, dark: index % 2 == 0)
            setFunction(index, 6, dark: index % 2 == 0)
        }
        // Finder patterns with their light separators, in three corners.
        for (x, y) in [(3, 3), (size - 4, 3), (3, size - 4)] {
            for dy in -4...4 {
                for dx in -4...4 where (0..<size).contains(x + dx) && (0..<size).contains(y + dy) {
                    let ring = max(abs(dx), abs(dy))
                    setFunction(x + dx, y + dy, dark: ring != 2 && ring != 4)
                }
            }
        }
        // Alignment patterns at every pair of centres, except where a finder sits.
        let centres = VersionTable.alignmentCentres(of: version)
        for (i, cy) in centres.enumerated() {
            for (j, cx) in centres.enumerated() {
                let last = centres.count - 1
                if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) { continue }
                for dy in -2...2 {
                    for dx in -2...2 { setFunction(cx + dx, cy + dy, dark: max(abs(dx), abs(dy)) != 1) }
                }
            }
        }
        // Reserve the format areas now, so data placement skips them; the real bits come
        // with the mask.
        drawFormatInformation(0)
        drawVersionInformation()
    }

    /// Writes the 15 format bits twice: around the top-left finder, and split between the
    /// other two finders. Bit 0 is the least significant. Also sets the dark module.
    mutating func drawFormatInformation(_ bits: Int) {
        func bit(_ index: Int) -> Bool { bits >> index & 1 == 1 }
        // Around the top-left finder: down column 8 (skipping the timing row), then left along row 8.
        for index in 0...5 { setFunction(8, index, dark: bit(index)) }
        setFunction(8, 7, dark: bit(6))
        setFunction(8, 8, dark: bit(7))
        setFunction(7, 8, dark: bit(8))
        for index in 9..<15 { setFunction(14 - index, 8, dark: bit(index)) }
        // Second copy: along row 8 under the top-right finder, then up column 8 beside the bottom-left one.
        for index in 0..<8 { setFunction(size - 1 - index, 8, dark: bit(index)) }
        for index in 8..<15 { setFunction(8, size - 15 + index, dark: bit(index)) }
        // The dark module, always dark, just above the bottom-left format bits.
        setFunction(8, size - 8, dark: true)
    }

    /// From version 7 on, the 18 version bits in two 6×3 blocks: above the bottom-left finder
    /// and left of the top-right one.
    private mutating func drawVersionInformation() {
        guard version >= 7 else { return }
        let bits = BCHCode.versionInformation(version)
        for index in 0..<18 {
            let value = bits >> index & 1 == 1
            let long = size - 11 + index % 3
            let short = index / 3
            setFunction(long, short, dark: value)
            setFunction(short, long, dark: value)
        }
    }

    /// Places the codewords' bits, most significant first, in the zigzag order of
    /// ISO/IEC 18004 §7.7.3: two-column strips from the right, upwards then downwards,
    /// skipping the vertical timing column and every function module. Modules left over
    /// (the remainder bits, 0 to 7 of them) stay light.
    mutating func place(_ codewords: [UInt8]) {
        var bitIndex = 0
        let bitCount = codewords.count * 8
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            let upward = (right + 1) & 2 == 0
            for step in 0..<size {
                let y = upward ? size - 1 - step : step
                for x in [right, right - 1] where !isFunction[y * size + x] {
                    if bitIndex < bitCount {
                        dark[y * size + x] = codewords[bitIndex >> 3] >> (7 - bitIndex & 7) & 1 == 1
                        bitIndex += 1
                    }
                }
            }
            right -= 2
        }
        precondition(bitIndex == bitCount, "codewords do not fill version \(version)")
    }

    /// Flips every non-function module the mask pattern selects. Applying it twice undoes it.
    mutating func apply(_ mask: MaskPattern) {
        for y in 0..<size {
            for x in 0..<size where !isFunction[y * size + x] && mask.flips(x: x, y: y) {
                dark[y * size + x].toggle()
            }
        }
    }
}
