/** The web host GitHub's html_url fields point at; a leaf module so state and runs can both use it. */
export const WEB = 'https://github.com'
