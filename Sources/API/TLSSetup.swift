import Foundation
import HummingbirdTLS
import NIOSSL

/// Builds the server's TLS configuration from the config's file paths, checking each file
/// before the server starts so that a mistake names the key and the file.
enum TLSSetup {
    /// nil when TLS is off (neither certificate nor key given).
    static func configuration(_ c: APIConfiguration) throws(APIError) -> TLSConfiguration? {
        switch (c.tlsCertificatePath, c.tlsKeyPath) {
        case (nil, nil):
            if let ca = c.clientCAPath {
                throw APIError(.tlsConfiguration, key: "api.client_ca", value: ca, reason: "needs tls_cert and tls_key")
            }
            return nil
        case (let cert?, nil):
            throw APIError(.tlsConfiguration, key: "api.tls_key", value: "", reason: "tls_cert '\(cert)' is given without tls_key")
        case (nil, let key?):
            throw APIError(.tlsConfiguration, key: "api.tls_cert", value: "", reason: "tls_key '\(key)' is given without tls_cert")
        case (let certPath?, let keyPath?):
            try readable(certPath, key: "api.tls_cert")
            try readable(keyPath, key: "api.tls_key")
            let chain: [NIOSSLCertificate]
            do {
                chain = try NIOSSLCertificate.fromPEMFile(certPath)
            } catch {
                throw APIError(.tlsConfiguration, key: "api.tls_cert", value: certPath, reason: "not a PEM certificate: \(error)")
            }
            guard !chain.isEmpty else {
                throw APIError(.tlsConfiguration, key: "api.tls_cert", value: certPath, reason: "holds no certificate")
            }
            let key: NIOSSLPrivateKey
            do {
                key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
            } catch {
                throw APIError(.tlsConfiguration, key: "api.tls_key", value: keyPath, reason: "not a PEM private key: \(error)")
            }
            var tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            if let ca = c.clientCAPath {
                try readable(ca, key: "api.client_ca")
                do {
                    let roots = try NIOSSLCertificate.fromPEMFile(ca)
                    guard !roots.isEmpty else {
                        throw APIError(.tlsConfiguration, key: "api.client_ca", value: ca, reason: "holds no certificate")
                    }
                    tls.trustRoots = .certificates(roots)
                } catch let error as APIError {
                    throw error
                } catch {
                    throw APIError(.tlsConfiguration, key: "api.client_ca", value: ca, reason: "not a PEM bundle: \(error)")
                }
                tls.certificateVerification = .noHostnameVerification
            }
            // BoringSSL checks here that the private key belongs to the leaf certificate.
            do {
                _ = try NIOSSLContext(configuration: tls)
            } catch {
                throw APIError(
                    .tlsConfiguration, key: "api.tls_key", value: keyPath,
                    reason: "does not belong to the certificate in tls_cert '\(certPath)' (or TLS cannot be set up: \(error))")
            }
            return tls
        }
    }

    private static func readable(_ path: String, key: String) throws(APIError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw APIError(.tlsConfiguration, key: key, value: path, reason: "no such file")
        }
        guard !isDirectory.boolValue, FileManager.default.isReadableFile(atPath: path) else {
            throw APIError(.tlsConfiguration, key: key, value: path, reason: "not a readable file")
        }
    }
}
