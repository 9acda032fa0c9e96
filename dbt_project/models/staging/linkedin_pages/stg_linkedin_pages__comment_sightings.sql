{#- When each LinkedIn Pages comment was last returned by an extraction (see the macro). -#}
{{ comment_sightings('linkedin_pages', id_field='commentUrn') }}
