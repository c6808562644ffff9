/// The standard's four penalty rules (ISO/IEC 18004 §7.8.3, Table 11), scored on a finished
/// symbol; the mask with the lowest score wins.
///
/// The standard leaves two readings open, and libraries differ on them. This one follows
/// ZXing: rule 3 counts each dark 1:1:3:1:1 run once when four light modules lie on either
/// side, with modules beyond the edge counting as light (the quiet zone is light), and
/// rule 4 counts whole 5 % steps away from half dark.
enum MaskPenalty {
    static func score(_ matrix: ModuleMatrix) -> Int {
        let size = matrix.size
        let dark = matrix.dark
        var penalty = 0
        // Rules 1 and 3 look along lines: every row, then every column.
        for line in 0..<size {
            for horizontal in [true, false] {
                let cell: (Int) -> Bool = horizontal
                    ? { dark[line * size + $0] }
                    : { dark[$0 * size + line] }
                penalty += sameColourRuns(size: size, cell)
                penalty += finderLookalikes(size: size, cell)
            }
        }
        penalty += twoByTwoBlocks(size: size, dark)
        penalty += darkProportion(dark)
        return penalty
    }

    /// Rule 1: each run of five or more same-coloured modules costs 3, plus 1 per extra module.
    static func sameColourRuns(size: Int, _ cell: (Int) -> Bool) -> Int {
        var penalty = 0
        var run = 1
        for index in 1...size {
            if index < size && cell(index) == cell(index - 1) {
                run += 1
            } else {
                if run >= 5 { penalty += 3 + (run - 5) }
                run = 1
            }
        }
        return penalty
    }

    /// Rule 2: each 2×2 square of one colour costs 3 (overlapping squares each count, which is
    /// the standard's (m−1)(n−1) for an m×n block).
    static func twoByTwoBlocks(size: Int, _ dark: [Bool]) -> Int {
        var count = 0
        for y in 0..<size - 1 {
            for x in 0..<size - 1 {
                let colour = dark[y * size + x]
                if dark[y * size + x + 1] == colour && dark[(y + 1) * size + x] == colour
                    && dark[(y + 1) * size + x + 1] == colour {
                    count += 1
                }
            }
        }
        return 3 * count
    }

    /// Rule 3: each dark-light-dark-dark-dark-light-dark run with four light modules before or
    /// after it (what a reader could take for a finder pattern) costs 40.
    static func finderLookalikes(size: Int, _ cell: (Int) -> Bool) -> Int {
        let pattern = [true, false, true, true, true, false, true]
        func isLight(_ range: Range<Int>) -> Bool {
            range.clamped(to: 0..<size).allSatisfy { !cell($0) }
        }
        var count = 0
        for start in 0..<max(0, size - 6) where (0..<7).allSatisfy({ cell(start + $0) == pattern[$0] }) {
            if isLight(start - 4..<start) || isLight(start + 7..<start + 11) { count += 1 }
        }
        return 40 * count
    }

    /// Rule 4: 10 for every whole 5 % the share of dark modules strays from 50 %.
    static func darkProportion(_ dark: [Bool]) -> Int {
        let darkCount = dark.reduce(0) { $0 + ($1 ? 1 : 0) }
        return abs(darkCount * 2 - dark.count) * 10 / dark.count * 10
    }
}
