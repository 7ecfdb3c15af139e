/*
 * tools/html_assets.S - embeds tools/html/ into the memwatch tool at build
 * time (declared in tools/html_assets.h).  Paths are relative to the
 * repository root, where make runs the compiler.
 */
    .section .rodata
    .global mwt_html_page
    .global mwt_html_css
    .global mwt_html_js
    .type mwt_html_page, @object
    .type mwt_html_css, @object
    .type mwt_html_js, @object
mwt_html_page:
    .incbin "tools/html/report.html"
    .byte 0
mwt_html_css:
    .incbin "tools/html/report.css"
    .byte 0
mwt_html_js:
    .incbin "tools/html/report.js"
    .byte 0
    .section .note.GNU-stack,"",@progbits
