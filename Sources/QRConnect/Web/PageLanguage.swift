import Foundation

/// The languages the pages speak: French by default, English for a browser that prefers it.
enum PageLanguage: String, CaseIterable, Sendable {
    case fr, en

    /// Reads `Accept-Language` (`en-US,en;q=0.9,fr;q=0.8`): the supported language with the highest
    /// weight, the earlier one on a tie; French when the browser names neither.
    static func preferred(by header: String?) -> PageLanguage {
        guard let header else { return .fr }
        var best: (language: PageLanguage, weight: Double)?
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = parts.first?.lowercased(),
                  let primary = tag.split(separator: "-").first,
                  let language = PageLanguage(rawValue: String(primary))
            else { continue }
            let weight = parts.dropFirst()
                .first { $0.hasPrefix("q=") }
                .flatMap { Double($0.dropFirst(2)) } ?? 1
            if weight > 0, weight > (best?.weight ?? 0) { best = (language, weight) }
        }
        return best?.language ?? .fr
    }
}
