/// One of the eight data-mask patterns (ISO/IEC 18004 §7.8.2, Table 10): which modules to
/// flip so that the symbol has no large blobs or finder look-alikes that confuse a reader.
struct MaskPattern: Sendable, Hashable {
    /// 0...7, as written in the format information.
    let reference: Int

    static let all = (0..<8).map(MaskPattern.init(reference:))

    /// Whether the module at column `x`, row `y` is flipped (the standard's i is the row, j the column).
    func flips(x: Int, y: Int) -> Bool {
        switch reference {
        case 0: (y + x) % 2 == 0
        case 1: y % 2 == 0
        case 2: x % 3 == 0
        case 3: (y + x) % 3 == 0
        case 4: (y / 2 + x / 3) % 2 == 0
        case 5: (y * x) % 2 + (y * x) % 3 == 0
        case 6: ((y * x) % 2 + (y * x) % 3) % 2 == 0
        default: ((y + x) % 2 + (y * x) % 3) % 2 == 0
        }
    }
}
