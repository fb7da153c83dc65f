-- The columns of int_kb_articles_joined, where this mart's logic lives so that
-- intermediate models can read it (an intermediate model never reads a mart).

select
    article_id,
    author_id,
    published_at,
    published_date,
    published_week,
    published_quarter,
    category,
    language,
    status,
    is_published,
    author_tier,
    team_id
from {{ ref('int_kb_articles_joined') }}
