/// The web console's files (`Console/`), compiled into the binary so `anneal serve` needs nothing
/// beside it. Edit the files; SwiftPM regenerates `PackageResources` on the next build.
public enum ConsoleAssets {
    public static func file(_ name: String) -> (bytes: [UInt8], contentType: String)? {
        switch name {
        case "index.html": (PackageResources.index_html, "text/html; charset=utf-8")
        case "console.css": (PackageResources.console_css, "text/css; charset=utf-8")
        case "core.js": (PackageResources.core_js, "text/javascript; charset=utf-8")
        case "charts.js": (PackageResources.charts_js, "text/javascript; charset=utf-8")
        case "jobs.js": (PackageResources.jobs_js, "text/javascript; charset=utf-8")
        case "pages.js": (PackageResources.pages_js, "text/javascript; charset=utf-8")
        default: nil
        }
    }
}
