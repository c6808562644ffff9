import Crypto
import Foundation
import Vapor

/// The pages and static files, read once from the package's resources and kept in memory
/// (a few dozen kilobytes), each with its content type and an ETag.
struct WebAssets: Sendable {
    private let pages: [String: WebAsset]
    private let files: [String: WebAsset]

    /// A page by name (`scan`, `chat`, `app`) in one language.
    func page(_ name: String, _ language: PageLanguage) -> WebAsset? { pages["\(name).\(language.rawValue)"] }

    /// A file by its path under `/static/`.
    func file(_ path: String) -> WebAsset? { files[path] }

    /// What `Package.swift` copies from `Web/Resources`.
    static func bundled() throws -> WebAssets {
        guard let root = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
            throw ConfigError(message: "the web resources are missing from the QRConnect bundle")
        }
        return try load(from: root)
    }

    /// `pages/<name>.html` become pages, rendered once per language (`{{lang}}` in the template);
    /// everything under `static/` is served as it is.
    static func load(from root: URL) throws -> WebAssets {
        var pages: [String: WebAsset] = [:]
        for url in try contents(of: root.appendingPathComponent("pages")) where url.pathExtension == "html" {
            let template = try String(contentsOf: url, encoding: .utf8)
            let name = url.deletingPathExtension().lastPathComponent
            for language in PageLanguage.allCases {
                let html = template.replacingOccurrences(of: "{{lang}}", with: language.rawValue)
                pages["\(name).\(language.rawValue)"] = WebAsset(Data(html.utf8), contentType: .html)
            }
        }
        var files: [String: WebAsset] = [:]
        let staticRoot = root.appendingPathComponent("static").standardizedFileURL
        for url in try contents(of: staticRoot) {
            guard let type = contentTypes[url.pathExtension] else { continue }
            let path = String(url.standardizedFileURL.path.dropFirst(staticRoot.path.count + 1))
            files[path] = WebAsset(try Data(contentsOf: url), contentType: type)
        }
        return WebAssets(pages: pages, files: files)
    }

    /// Every regular file below `directory`.
    private static func contents(of directory: URL) throws -> [URL] {
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey])
        else { return [] }
        return try walker.compactMap { item in
            guard let url = item as? URL, try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true
            else { return nil }
            return url
        }
    }

    /// Only these kinds of file are served; anything else in the folder stays private.
    static let contentTypes: [String: HTTPMediaType] = [
        "css": HTTPMediaType(type: "text", subType: "css", parameters: ["charset": "utf-8"]),
        "js": HTTPMediaType(type: "text", subType: "javascript", parameters: ["charset": "utf-8"]),
        "svg": .svg,
        "png": .png,
        "webmanifest": HTTPMediaType(type: "application", subType: "manifest+json"),
    ]
}

/// One file to serve.
struct WebAsset: Sendable {
    let body: Data
    let contentType: HTTPMediaType
    let etag: String

    init(_ body: Data, contentType: HTTPMediaType) {
        self.body = body
        self.contentType = contentType
        self.etag = "\"" + SHA256.hash(data: body).lowercaseHex.prefix(32) + "\""
    }

    /// `200` with the file, or `304` when the browser already holds this version.
    ///
    /// `no-cache` means "revalidate every time", not "do not store": a reload costs one `304`, and
    /// after a deployment no browser keeps running yesterday's script against today's API.
    func response(for req: Request) -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .eTag, value: etag)
        headers.replaceOrAdd(name: .cacheControl, value: "no-cache")
        if req.headers[.ifNoneMatch].contains(where: { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.contains(etag) }) {
            return Response(status: .notModified, headers: headers)
        }
        headers.contentType = contentType
        return Response(status: .ok, headers: headers, body: .init(data: body))
    }
}
