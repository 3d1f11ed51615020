import Metering
/// The RFC 5545 text rules that every iCalendar writer needs: TEXT escaping (§3.3.11), line
/// folding (§3.1) and the UTC DATE-TIME form (§3.3.5).
public enum ICalendarText {
    /// The longest physical line, in octets, not counting the CRLF (RFC 5545 §3.1).
    public static let maxLineOctets = 75

    /// Escapes a TEXT value: `\` → `\\`, `;` → `\;`, `,` → `\,`, a newline (LF, CR or CRLF) → `\n`.
    public static func escape(_ text: String) -> String {
        var out = ""
        var lastWasCR = false
        for u in text.unicodeScalars {
            defer { lastWasCR = u == "\r" }
            switch u {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\r": out += "\\n"
            case "\n": if !lastWasCR { out += "\\n" }
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// Folds one content line: inserts CRLF + space so that no physical line exceeds
    /// ``maxLineOctets`` octets of UTF-8, breaking only between Unicode scalars, so a multi-octet
    /// UTF-8 sequence (e.g. a Cyrillic letter, 2 octets) is never split. The result has no final CRLF.
    public static func fold(_ line: String) -> String {
        var out = ""
        var octets = 0
        for u in line.unicodeScalars {
            let n = UTF8.width(u)
            if octets + n > maxLineOctets {
                out += "\r\n "
                octets = 1
            }
            out.unicodeScalars.append(u)
            octets += n
        }
        return out
    }

    /// `NAME:VALUE` (value already escaped where it is TEXT), folded.
    public static func contentLine(_ name: String, _ value: String) -> String { fold("\(name):\(value)") }

    /// A UTC DATE-TIME from Unix epoch milliseconds: `20260501T093000Z` (milliseconds dropped,
    /// floor for instants before 1970).
    public static func utcDateTime(epochMs: Int64) -> String {
        let seconds = epochMs >= 0 ? epochMs / 1000 : (epochMs - 999) / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let s = Int(seconds - days * 86_400)
        return "\(compactDateFromDays(days))T\(LocalDate.pad(s / 3600, 2))\(LocalDate.pad(s / 60 % 60, 2))\(LocalDate.pad(s % 60, 2))Z"
    }
}
