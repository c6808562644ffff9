import Vapor

/// The pages people see in a phone's browser, and the files they load. Every page is a static
/// shell whose script talks to the same JSON API any other front-end uses.
///
/// `/q/<token>` is where printed codes point; `/Q/<TOKEN>` is the same page, so that a code can be
/// printed in upper case (the denser alphanumeric QR mode). `/chat/<owner_id>` is the guest's side,
/// `/app` the owner's.
struct WebController: RouteCollection {
    let assets: WebAssets

    init(assets: WebAssets) {
        self.assets = assets
    }

    /// The pages and files shipped in this package's resources.
    init() throws {
        try self.init(assets: .bundled())
    }

    func boot(routes: any RoutesBuilder) throws {
        let web = routes.grouped(PageSecurityHeaders())
        web.get { _ in Response(status: .seeOther, headers: ["Location": "/app"]) }
        web.get("q", ":token") { req in try page("scan", req) }
        web.get("Q", ":token") { req in try page("scan", req) }
        web.get("chat", ":owner_id") { req in try page("chat", req) }
        web.get("app") { req in try page("app", req) }
        web.get("static", "**", use: file)
    }

    /// A page in the language the browser prefers, announced in `<html lang>`.
    private func page(_ name: String, _ req: Request) throws -> Response {
        let language = PageLanguage.preferred(by: req.headers.first(name: .acceptLanguage))
        guard let page = assets.page(name, language) else { throw APIError.routeNotFound }
        let response = page.response(for: req)
        // The same URL answers in another language for another browser: caches must keep both apart.
        response.headers.replaceOrAdd(name: .vary, value: "Accept-Language")
        return response
    }

    /// A file under `/static/`. Only files loaded at start exist: a path cannot reach anything else.
    private func file(_ req: Request) throws -> Response {
        let path = req.parameters.getCatchall().joined(separator: "/")
        guard let asset = assets.file(path) else { throw APIError.routeNotFound }
        return asset.response(for: req)
    }
}
