/// esep's version (`esep --version`); the Debian package's version starts with it.
enum EsepVersion {
    static let current = "0.11.0"
}
