document.querySelector('#app')!.textContent = 'Boarding Pass'
