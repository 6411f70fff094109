# A small JSON reader (no jq on Docker Hub's builders): json_load flattens a document into lines
# "PATH<TAB>VALUE", e.g. "/manifests/0/platform/architecture<TAB>"arm"", VALUE being the raw JSON
# scalar. grep splits the text into tokens (whole strings, so braces or commas inside a string
# are never taken for structure), and a loop tracks where each scalar sits.

JSON_LINES=()

# json_load FILE: fills JSON_LINES; false if FILE is not a JSON object or array.
json_load() {
    local tok depth=0 expect_key=0 p
    local -a ctype=() cpath=() cidx=() ckey=()
    JSON_LINES=()
    while IFS= read -r tok; do
        case $tok in
            '{' | '[')
                p=""
                if [ "$depth" -gt 0 ]; then
                    if [ "${ctype[depth]}" = '[' ]; then p=${cpath[depth]}/${cidx[depth]}; else p=${cpath[depth]}/${ckey[depth]}; fi
                fi
                depth=$((depth + 1))
                ctype[depth]=$tok
                cpath[depth]=$p
                cidx[depth]=0
                ckey[depth]=""
                if [ "$tok" = '{' ]; then expect_key=1; else expect_key=0; fi
                ;;
            '}' | ']')
                depth=$((depth - 1))
                expect_key=0
                ;;
            ,)
                if [ "${ctype[depth]}" = '[' ]; then cidx[depth]=$((cidx[depth] + 1)); else expect_key=1; fi
                ;;
            :) ;;
            *)
                if [ "$depth" -eq 0 ]; then return 1; fi
                if [ "$expect_key" = 1 ]; then
                    ckey[depth]=${tok:1:${#tok}-2}
                    expect_key=0
                elif [ "${ctype[depth]}" = '[' ]; then
                    JSON_LINES+=("${cpath[depth]}/${cidx[depth]}"$'\t'"$tok")
                else
                    JSON_LINES+=("${cpath[depth]}/${ckey[depth]}"$'\t'"$tok")
                fi
                ;;
        esac
    done < <(grep -oE '"([^"\\]|\\.)*"|[][{}:,]|[^][{}:,"[:space:]]+' "$1")
    [ "$depth" -eq 0 ] && [ "${#ctype[@]}" -gt 0 ]
}

# json_get PATH: REPLY = the raw value at PATH (strings keep their quotes); false if absent.
json_get() {
    local line
    for line in "${JSON_LINES[@]}"; do
        if [ "${line%%$'\t'*}" = "$1" ]; then
            REPLY=${line#*$'\t'}
            return 0
        fi
    done
    REPLY=""
    return 1
}

# json_str PATH: REPLY = the string at PATH, unquoted; false if absent or not a string.
json_str() {
    json_get "$1" || return 1
    case $REPLY in
        \"*\") json_unquote "$REPLY" ;;
        *) REPLY="" && return 1 ;;
    esac
}

# json_unquote "RAW": REPLY = the string's value (escapes decoded; \u as far as bash's printf can).
json_unquote() {
    local s=${1:1:${#1}-2} out="" c
    while [[ $s == *\\* ]]; do
        out+=${s%%\\*}
        s=${s#*\\}
        c=${s:0:1}
        s=${s:1}
        case $c in
            n) out+=$'\n' ;;
            t) out+=$'\t' ;;
            r) out+=$'\r' ;;
            b) out+=$'\b' ;;
            f) out+=$'\f' ;;
            u)
                printf -v c %b "\\u${s:0:4}"
                out+=$c
                s=${s:4}
                ;;
            *) out+=$c ;;
        esac
    done
    REPLY=$out$s
}
