import Metering

/// What a change of a SAON signal means, in words (Kazakh, Russian or English).
public enum SAONSignalText {
    /// "stage 2 tripped", "breaker 3 closed", "test mode on", "controller not answering"…
    public static func describe(signal: String, new: Int, language: String) -> String {
        let on = new != 0
        guard let name = ChannelName(signal) else { return "\(signal) = \(new)" }
        let n = name.index
        switch (language, name.kind) {
        case ("kk", .saonArmed): return on ? "САОН іске қосылды" : "САОН ажыратылды"
        case ("ru", .saonArmed): return on ? "САОН введена" : "САОН выведена"
        case (_, .saonArmed): return on ? "armed" : "disarmed"
        case ("kk", .saonCommandReceived): return on ? "команда алынды" : "команда жойылды"
        case ("ru", .saonCommandReceived): return on ? "получена команда" : "команда снята"
        case (_, .saonCommandReceived): return on ? "command received" : "command cleared"
        case ("kk", .saonTestMode): return on ? "сынақ режимі қосулы" : "сынақ режимі өшірулі"
        case ("ru", .saonTestMode): return on ? "тестовый режим включён" : "тестовый режим выключен"
        case (_, .saonTestMode): return on ? "test mode on" : "test mode off"
        case ("kk", .saonStageTripped): return on ? "\(n)-саты іске қосылды" : "\(n)-саты қалпына келді"
        case ("ru", .saonStageTripped): return on ? "сработала ступень \(n)" : "ступень \(n) возвращена"
        case (_, .saonStageTripped): return on ? "stage \(n) tripped" : "stage \(n) reset"
        case ("kk", .saonFeederOpen): return on ? "\(n)-ажыратқыш ажыратылды" : "\(n)-ажыратқыш қосылды"
        case ("ru", .saonFeederOpen): return on ? "выключатель \(n) отключён" : "выключатель \(n) включён"
        case (_, .saonFeederOpen): return on ? "breaker \(n) opened" : "breaker \(n) closed"
        case ("kk", .saonLink): return on ? "контроллер жауап береді" : "контроллер жауап бермейді"
        case ("ru", .saonLink): return on ? "контроллер отвечает" : "контроллер не отвечает"
        case (_, .saonLink): return on ? "controller answering" : "controller not answering"
        default: return "\(signal) = \(new)"
        }
    }
}
