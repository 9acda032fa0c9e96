{#- When each Facebook comment was last returned by an extraction (see the macro). -#}
{{ comment_sightings('facebook') }}
