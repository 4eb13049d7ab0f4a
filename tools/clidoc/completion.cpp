#include "tools/clidoc/completion.hpp"

#include <map>

namespace cr::clidoc {
namespace {

const CommandDoc* find(const CommandDoc& root, const std::vector<std::string>& path) {
    const CommandDoc* c = &root;
    for (const auto& name : path) {
        const CommandDoc* next = nullptr;
        for (const auto& s : c->subcommands)
            if (s.path.back() == name) next = &s;
        if (!next) return nullptr;
        c = next;
    }
    return c;
}

// The options valid at `c`: its own, then each parent's (fallthrough), nearest first.
std::vector<const OptionDoc*> visible_options(const CommandDoc& root, const CommandDoc& c) {
    std::vector<const OptionDoc*> out;
    for (std::size_t n = c.path.size() + 1; n-- > 0;) {
        std::vector<std::string> prefix(c.path.begin(), c.path.begin() + static_cast<long>(n));
        if (const auto* p = find(root, prefix))
            for (const auto& o : p->options) out.push_back(&o);
    }
    return out;
}

std::string join_words(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
    return out;
}

// Single-quoted for the shell.
std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::vector<std::string> sub_names(const CommandDoc& c) {
    std::vector<std::string> out;
    for (const auto& s : c.subcommands) out.push_back(s.path.back());
    return out;
}

// Case labels and words for: subcommands per path, option names per path, options taking a
// value per path, and choices per "path|option".
struct Tables {
    std::map<std::string, std::vector<std::string>> subs, opts, valued;
    std::map<std::string, std::vector<std::string>> choices;
};

Tables tables(const CommandDoc& root) {
    Tables t;
    for (const auto* c : flatten(root)) {
        std::string key = c->joined();
        t.subs[key] = sub_names(*c);
        for (const auto* o : visible_options(root, *c)) {
            for (const auto& n : o->names) {
                t.opts[key].push_back(n);
                if (o->value.empty()) continue;
                t.valued[key].push_back(n);
                if (!o->choices.empty()) t.choices[key + "|" + n] = o->choices;
            }
        }
    }
    return t;
}

enum class Shell { bash, zsh };

// A shell function mapping a key to words: bash echoes them, zsh sets $reply.
std::string case_function(const std::string& name,
                          const std::map<std::string, std::vector<std::string>>& table, Shell sh) {
    std::string out = name + "() {\n    case \"$1\" in\n";
    for (const auto& [key, words] : table) {
        if (words.empty()) continue;
        out += "        " + quote(key) + ") ";
        if (sh == Shell::bash) {
            out += "echo " + quote(join_words(words));
        } else {
            out += "reply=(";
            for (std::size_t i = 0; i < words.size(); ++i) out += (i ? " " : "") + quote(words[i]);
            out += ")";
        }
        out += " ;;\n";
    }
    if (sh == Shell::zsh) out += "        *) reply=() ;;\n";
    return out + "    esac\n}\n";
}

std::string case_functions(const Tables& t, Shell sh) {
    return case_function("_cellrescue_subs", t.subs, sh) +
           case_function("_cellrescue_opts", t.opts, sh) +
           case_function("_cellrescue_valued", t.valued, sh) +
           case_function("_cellrescue_choices", t.choices, sh);
}

const char* const bash_body = R"SH(
_cellrescue() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local cmdpath="" w i subs
    # The command path so far: the words that name a subcommand of the path before them.
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        [[ $w == -* ]] && continue
        subs=" $(_cellrescue_subs "$cmdpath") "
        [[ $subs == *" $w "* ]] && cmdpath="${cmdpath:+$cmdpath }$w"
    done
    if [[ " $(_cellrescue_valued "$cmdpath") " == *" $prev "* ]]; then
        local choices
        choices=$(_cellrescue_choices "$cmdpath|$prev")
        if [[ -n $choices ]]; then
            mapfile -t COMPREPLY < <(compgen -W "$choices" -- "$cur")
        else
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        fi
        return 0
    fi
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_cellrescue_opts "$cmdpath")" -- "$cur")
        return 0
    fi
    subs=$(_cellrescue_subs "$cmdpath")
    if [[ -n $subs ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$subs" -- "$cur")
    else
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
    return 0
}
complete -F _cellrescue cellrescue
)SH";

// zsh: the same tables, plus descriptions for _describe ("name:description").
std::string zsh_descriptions(const CommandDoc& root) {
    std::string out = "_cellrescue_described() {\n    case \"$1\" in\n";
    for (const auto* c : flatten(root)) {
        std::vector<std::string> items;
        for (const auto& s : c->subcommands)
            items.push_back(quote("sub:" + s.path.back() + ":" + s.description));
        for (const auto* o : visible_options(root, *c))
            for (const auto& n : o->names)
                items.push_back(quote("opt:" + n + ":" + o->description));
        if (items.empty()) continue;
        out += "        " + quote(c->joined()) + ") reply=(";
        for (const auto& i : items) out += "\n            " + i;
        out += "\n        ) ;;\n";
    }
    return out + "        *) reply=() ;;\n    esac\n}\n";
}

const char* const zsh_body = R"SH(
_cellrescue() {
    local cmdpath="" w i
    local -a reply subs opts
    for (( i = 2; i < CURRENT; i++ )); do
        w=${words[i]}
        [[ $w == -* ]] && continue
        _cellrescue_subs "$cmdpath"
        (( ${reply[(Ie)$w]} )) && cmdpath="${cmdpath:+$cmdpath }$w"
    done
    local prev=${words[CURRENT-1]}
    _cellrescue_valued "$cmdpath"
    if (( ${reply[(Ie)$prev]} )); then
        _cellrescue_choices "$cmdpath|$prev"
        if (( ${#reply} )); then compadd -a reply; else _files; fi
        return
    fi
    _cellrescue_described "$cmdpath"
    local item
    for item in "${reply[@]}"; do
        case $item in
            sub:*) subs+=("${item#sub:}") ;;
            opt:*) opts+=("${item#opt:}") ;;
        esac
    done
    if [[ ${words[CURRENT]} == -* ]]; then
        _describe -t options option opts
    elif (( ${#subs} )); then
        _describe -t commands command subs
    else
        _files
    fi
}

_cellrescue "$@"
)SH";

}  // namespace

std::string bash_completion(const CommandDoc& root) {
    return "# bash completion for cellrescue. Generated by clidoc from the command line; do not "
           "edit.\n\n" +
           case_functions(tables(root), Shell::bash) + bash_body;
}

std::string zsh_completion(const CommandDoc& root) {
    return "#compdef cellrescue\n# zsh completion for cellrescue. Generated by clidoc from the "
           "command line; do not edit.\n\n" +
           case_functions(tables(root), Shell::zsh) + zsh_descriptions(root) + zsh_body;
}

}  // namespace cr::clidoc
